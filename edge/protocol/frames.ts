import { z } from "zod";
import { APPROVAL_DECISIONS, AUTONOMY_LEVELS, type AutonomyLevel } from "./autonomy-levels.ts";

// The contract between the edge (NodeDO) and the node agent, imported by both. Runtime-neutral:
// zod only. Changes are additive; PROTOCOL_VERSION changes only when an old agent could no longer
// be understood, and the handshake refuses a version the edge does not speak.
export const PROTOCOL_VERSION = 1;

// Frames larger than this are refused unread; nothing legitimate comes near it.
export const MAX_FRAME_BYTES = 256 * 1024;

// An employee's workspace for an account export, as the agent uploads it (a gzip-compressed
// tar, PUT /agent/exports/:exportId/:employeeId with the node token): at most this many bytes,
// which every Cloudflare plan accepts as one request body. A larger workspace is left out of
// the export, which says so.
export const WORKSPACE_EXPORT_MAX_BYTES = 100 * 1024 * 1024;

const Id = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9_-]+$/);

// How much an employee may do without asking, and OpenClaw's decisions: in autonomy-levels.ts
// (no zod there, so the app's contract can name them without this module).
export { APPROVAL_DECISIONS, AUTONOMY_LEVELS, type AutonomyLevel };

export const EmployeeSpec = z.object({
  employeeId: Id,
  accountId: Id,
  name: z.string().min(1).max(40),
  role: z.string().min(1).max(64),
  tone: z.string().min(1).max(64),
  skills: z.array(z.string().min(1).max(64)).max(32),
  // The LLM gateway for the employee's OpenClaw: the only place its key travels (additive).
  llm: z.object({ baseUrl: z.url(), apiKey: z.string().min(20).max(300) }).optional(),
  // Who the employee works for, for its USER.md (additive).
  customer: z.object({ name: z.string().max(200), email: z.string().max(320) }).optional(),
  // The browser origin of the employee's chat (https://<id>.gw.<domain>): OpenClaw's Control UI
  // accepts WebSocket connections from this origin only (additive).
  chatOrigin: z.url().max(300).optional(),
  // How much the employee may do without asking (issue 18), rendered into OpenClaw's exec policy;
  // absent is "ask" (every command waits for a person). Additive: older edges do not send it.
  autonomy: z.enum(AUTONOMY_LEVELS).optional(),
});
export type EmployeeSpec = z.infer<typeof EmployeeSpec>;

// What the agent sees of one employee's container.
export const InstanceState = z.enum([
  "created",
  "running",
  "starting",
  "unhealthy",
  "stopped",
  "missing",
]);
export type InstanceState = z.infer<typeof InstanceState>;

// A placement's generation: raised by the edge each time it places the employee on a node (a
// move, a restore after node loss). Every command carries it, the agent labels the container with
// it and reports it, so a node that comes back after its employees moved can be told its copies
// are stale and must never run (issue 16).
export const Generation = z.number().int().min(0).max(2_147_483_647);

export const Instance = z.object({
  employeeId: Id,
  containerId: z.string().max(128).nullable(),
  state: InstanceState,
  // The generation on the container's label; absent for containers made before generations.
  generation: Generation.optional(),
});
export type Instance = z.infer<typeof Instance>;

export const Capacity = z.object({
  slots: z.number().int().min(0).max(10_000),
  memoryMb: z.number().int().min(0),
});
export type Capacity = z.infer<typeof Capacity>;

// A file of the knowledge base, as the agent syncs it: fetched from the edge by id
// (GET /agent/knowledge/:id with the node token) and written under its sanitised name.
export const KnowledgeFile = z.object({
  id: Id,
  name: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[^/\\\0]+$/)
    .refine((n) => n !== "." && n !== "..", "not a file name"),
  size: z.number().int().min(0),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type KnowledgeFile = z.infer<typeof KnowledgeFile>;

// One file of the employee's memory (MEMORY.md, memory/*.md), read from its workspace.
export const MemoryFile = z.object({
  path: z.string().max(300),
  content: z.string(),
  size: z.number().int().min(0),
  truncated: z.boolean(),
  modifiedAt: z.number().int().nullable(),
});
export type MemoryFile = z.infer<typeof MemoryFile>;

// A file sent with a chat message, as the agent fetches it (GET /agent/chat-attachments/:id with
// the node token) and writes it under uploads/ in the employee's workspace.
export const ChatAttachmentRef = z.object({
  id: Id,
  name: KnowledgeFile.shape.name,
  size: z.number().int().min(0),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  contentType: z.string().max(200),
});
export type ChatAttachmentRef = z.infer<typeof ChatAttachmentRef>;

// A chat answer's text travels whole in every progress event (OpenClaw's deltas are the whole
// text too, and may be dropped), cut to this many characters so a frame stays far below
// MAX_FRAME_BYTES; the final event carries the same cap and says when it cut.
export const CHAT_FRAME_TEXT_CHARS = 100_000;

// The key of an OpenClaw session: printable ASCII, no spaces (agent:main:web:<conversationId>).
const SessionKey = z.string().regex(/^[!-~]{1,200}$/);

// One line of tool activity in a chat answer, already in plain words.
export const ChatToolStep = z.object({
  id: z.string().min(1).max(200),
  kind: z.string().max(32),
  summary: z.string().max(300),
  status: z.enum(["running", "done", "failed"]),
});
export type ChatToolStep = z.infer<typeof ChatToolStep>;

// Why a snapshot is taken (edge/contract/backup.ts BACKUP_REASONS, repeated here so the agent's
// contract stays zod-only and self-contained).
export const SnapshotKind = z.enum(["scheduled", "manual", "pre_restore", "pre_op", "final"]);
export type SnapshotKind = z.infer<typeof SnapshotKind>;

// What a finished snapshot.create reports: skipped when nothing changed since the last one (a
// scheduled snapshot only; the edge then forgets the snapshot it opened).
export const SnapshotResult = z.object({
  snapshotId: Id,
  skipped: z.boolean(),
  logicalBytes: z.number().int().min(0),
  storedBytes: z.number().int().min(0),
  fileCount: z.number().int().min(0),
  manifestSha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
});
export type SnapshotResult = z.infer<typeof SnapshotResult>;

// Issue 18: approvals, scheduled work and its runs.
/** OpenClaw's approval id (a UUID today); printable, bounded. */
const ApprovalId = z.string().regex(/^[!-~]{1,200}$/);

/** One recurring task as the agent maps it onto an OpenClaw automation (cron job) named
 * `iw:<id>`: a 5- or 6-field cron expression in an IANA time zone, the prompt the employee is
 * given, and whether it is on. */
export const ScheduledTask = z.object({
  id: Id,
  title: z.string().min(1).max(80),
  cron: z.string().min(9).max(100),
  timeZone: z.string().min(1).max(64),
  prompt: z.string().min(1).max(4000),
  enabled: z.boolean(),
});
export type ScheduledTask = z.infer<typeof ScheduledTask>;

/** Working hours in the employee's time zone: the heartbeat's active hours. Days 0 = Sunday. */
export const WorkingHours = z.object({
  days: z.array(z.number().int().min(0).max(6)).max(7),
  start: z.string().regex(/^([01][0-9]|2[0-3]):[0-5][0-9]$/),
  end: z.string().regex(/^([01][0-9]|2[0-4]):[0-5][0-9]$/),
  timeZone: z.string().min(1).max(64),
});
export type WorkingHours = z.infer<typeof WorkingHours>;

/** What an approval asks, as far as OpenClaw tells it (the request's command, where, why). */
export const ApprovalRequestDetails = z.object({
  command: z.string().max(4000),
  cwd: z.string().max(500).nullable(),
  warning: z.string().max(1000).nullable(),
});
export type ApprovalRequestDetails = z.infer<typeof ApprovalRequestDetails>;

/** How a scheduled run or heartbeat turn ended, as OpenClaw's automation run log says. */
export const WORK_RUN_OUTCOMES = ["done", "failed", "skipped"] as const;

const command = <T extends string, S extends z.ZodRawShape>(type: T, shape: S) =>
  z.object({
    type: z.literal(type),
    id: Id,
    employeeId: Id,
    // The placement this command is for; the agent refuses one older than the container's own.
    generation: Generation.optional(),
    ...shape,
  });

// edge → agent
export const EdgeFrame = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("welcome"),
    protocol: z.number().int(),
    nodeId: Id,
    heartbeatIntervalMs: z.number().int().positive(),
  }),
  command("container.provision", { spec: EmployeeSpec }),
  command("container.start", {}),
  command("container.stop", {}),
  command("container.restart", {}),
  command("container.remove", {}),
  // Renders the workspace (templates, openclaw.json) again after a settings change; OpenClaw
  // hot-reloads both. Harmless when the container does not exist yet.
  command("employee.configure", { spec: EmployeeSpec }),
  // The whole wanted knowledge base: the employee's own files and its account's shared ones.
  // The agent fetches what it lacks and deletes what is no longer listed.
  command("knowledge.sync", {
    accountId: Id,
    own: z.array(KnowledgeFile).max(1000),
    shared: z.array(KnowledgeFile).max(1000),
  }),
  // A question, not a change: answered with the employee's memory files.
  command("memory.read", {}),
  // Archives the employee's workspace for the account export `exportId` and uploads it to the
  // edge (see WORKSPACE_EXPORT_MAX_BYTES); the result only says whether that worked.
  command("workspace.export", { exportId: Id }),
  // A message to the employee's OpenClaw, in session `sessionKey`; `runId` is the idempotency key,
  // so a command sent again after a lost connection never makes a second answer. The result says
  // only that OpenClaw took the message; the answer follows as chat.progress events.
  command("chat.send", {
    sessionKey: SessionKey,
    runId: Id,
    text: z.string().max(16_000),
    attachments: z.array(ChatAttachmentRef).max(5),
  }),
  // Stops the answer being written in that session (the run, when given).
  command("chat.abort", { sessionKey: SessionKey, runId: Id.optional() }),
  // Decides an approval the employee's OpenClaw asked for (exec.approval.resolve). A refusal
  // `approval_not_found` means OpenClaw no longer holds it (expired, decided elsewhere).
  command("approval.resolve", {
    approvalId: ApprovalId,
    decision: z.enum(APPROVAL_DECISIONS),
    reason: z.string().max(500).optional(),
  }),
  // The employee's whole scheduled work, replacing what it had: each task an OpenClaw automation
  // named `iw:<id>` (others it made itself are left alone), working hours as its heartbeat's
  // active hours (null: no heartbeat). `paused` (its budget is spent) disables every task and the
  // heartbeat without forgetting them. Idempotent; sent after every change and every start.
  command("schedules.sync", {
    tasks: z.array(ScheduledTask).max(50),
    workingHours: WorkingHours.nullable(),
    paused: z.boolean(),
  }),
  // Takes a snapshot of the employee's whole state into snapshot `snapshotId` (opened by the edge)
  // through the /agent/snapshots/... routes: the OpenClaw state through its own backup, the
  // workspace and the browser profile by a walk, chunked and sent only where the edge lacks a
  // chunk. `stopFirst` stops the container first (a drain's final snapshot: nothing changes after
  // it). A scheduled snapshot of an unchanged employee answers skipped.
  command("snapshot.create", { snapshotId: Id, kind: SnapshotKind, stopFirst: z.boolean() }),
  // Puts the employee's state back from snapshot `snapshotId` and runs it with `spec`: fetched to a
  // staging disk, checked chunk by chunk, then the container stopped, the state swapped in, the
  // employee provisioned and waited for. "in_place" replaces an employee this node has (a failure
  // swaps the old state back and answers rolledBack); "fresh" makes it here (a move, node loss).
  command("container.restore", {
    snapshotId: Id,
    mode: z.enum(["in_place", "fresh"]),
    spec: EmployeeSpec,
  }),
  // The employees the edge has placed on this node; any other container of ours is an orphan.
  // `placements` (additive) carries each kept employee's current generation: a container with an
  // older one is a stale copy (its employee moved while this node was away) and is stopped at
  // once, its disk kept STALE_DISK_KEEP_MS and then removed.
  z.object({
    type: z.literal("inventory.reconcile"),
    id: Id,
    keep: z.array(Id),
    placements: z
      .array(z.object({ employeeId: Id, generation: Generation }))
      .max(10_000)
      .optional(),
  }),
  // The edge heard the heartbeat: the agent may run its employees for `leaseMs` more. Without an
  // ack for that long the agent stops them all (self-fencing), because the edge will soon hold the
  // node lost and place them elsewhere.
  z.object({ type: z.literal("heartbeat.ack"), leaseMs: z.number().int().positive() }),
  // A frame the edge refused (malformed, out of order, or about another node's employee).
  z.object({ type: z.literal("rejected"), reason: z.string().max(1000) }),
]);
export type EdgeFrame = z.infer<typeof EdgeFrame>;
export type CommandFrame = Extract<EdgeFrame, { employeeId: string }>;
export type CommandType = CommandFrame["type"];
/** The lifecycle commands an EmployeeDO waits for, one at a time. */
export type ContainerCommandType = Extract<CommandType, `container.${string}`>;
export type ResultFrame = Extract<AgentFrame, { type: "result" }>;
export const isContainerCommand = (t: CommandType): t is ContainerCommandType =>
  t.startsWith("container.");

export const ResultError = z.object({
  code: z.string().max(64),
  message: z.string().max(1000),
  /** false when trying again cannot help (bad image, bad spec). */
  retryable: z.boolean(),
});
export type ResultError = z.infer<typeof ResultError>;

const event = <T extends string, S extends z.ZodRawShape>(type: T, shape: S) =>
  z.object({
    type: z.literal(type),
    employeeId: Id,
    containerId: z.string().max(128).nullable(),
    ...shape,
  });

// agent → edge
export const AgentFrame = z.discriminatedUnion("type", [
  z.object({
    type: z.literal("hello"),
    protocol: z.number().int(),
    agentVersion: z.string().max(64),
    capacity: Capacity,
    inventory: z.array(Instance).max(10_000),
    // What isolates this node's employees: "runsc" (gVisor), "runc" (the node's kernel shared),
    // "process" (development). Additive: older agents do not send it.
    runtime: z
      .string()
      .regex(/^[a-z0-9][a-z0-9._-]{0,31}$/)
      .optional(),
  }),
  z.object({ type: z.literal("heartbeat"), capacity: Capacity, running: z.number().int().min(0) }),
  // The answer to a command: one "result" type, told apart by `ok` (a nested union).
  z.discriminatedUnion("ok", [
    z.object({
      type: z.literal("result"),
      id: Id,
      ok: z.literal(true),
      data: Instance.optional(),
      memory: z.array(MemoryFile).max(500).optional(),
      snapshot: SnapshotResult.optional(),
    }),
    z.object({
      type: z.literal("result"),
      id: Id,
      ok: z.literal(false),
      error: ResultError,
      // A restore in place that failed and put the old state back (the employee runs as before).
      rolledBack: z.boolean().optional(),
    }),
  ]),
  event("container.created", {}),
  event("container.started", {}),
  event("container.stopped", { exitCode: z.number().int().nullable() }),
  event("container.health_changed", { health: z.enum(["healthy", "unhealthy"]) }),
  event("container.removed", {}),
  // How far a snapshot or a restore is, at most once a second per employee.
  event("snapshot.progress", {
    snapshotId: Id,
    phase: z.enum(["archiving", "uploading", "downloading", "swapping", "starting"]),
    bytesDone: z.number().int().min(0),
    bytesTotal: z.number().int().min(0).nullable(),
  }),
  // A chat answer as it is written: its whole text so far, the tool activity, and, once ended,
  // how (final, aborted, error with a CHAT_ERROR_CODES code of the contract and a sentence).
  event("chat.progress", {
    runId: Id,
    state: z.enum(["streaming", "final", "aborted", "error"]),
    text: z.string().max(CHAT_FRAME_TEXT_CHARS),
    truncated: z.boolean(),
    tools: z.array(ChatToolStep).max(50),
    error: z.object({ code: z.string().max(64), message: z.string().max(1000) }).optional(),
  }),
  // OpenClaw asked a person before running something (exec.approval.requested), sent again after
  // a reconnect while it still waits (the edge keeps the first). `sessionKey` is the session that
  // led to it (the edge maps it to a conversation or a scheduled task).
  event("approval.requested", {
    approvalId: ApprovalId,
    action: z.string().min(1).max(64),
    details: ApprovalRequestDetails,
    sessionKey: SessionKey.nullable(),
    requestedAt: z.number().int().min(0),
    expiresAt: z.number().int().min(0),
  }),
  // OpenClaw settled it: a person's decision went through, or it expired (`decision` deny,
  // `expired` true) or was decided in OpenClaw's own UI.
  event("approval.resolved", {
    approvalId: ApprovalId,
    decision: z.enum(APPROVAL_DECISIONS),
    expired: z.boolean(),
  }),
  // A scheduled task's run (or a heartbeat turn, `taskId` null) ended, from OpenClaw's automation
  // run log; `runKey` is unique per run so a repeat after a reconnect is recorded once.
  event("work.run", {
    runKey: z.string().regex(/^[!-~]{1,200}$/),
    taskId: Id.nullable(),
    startedAt: z.number().int().min(0),
    endedAt: z.number().int().min(0),
    outcome: z.enum(WORK_RUN_OUTCOMES),
    summary: z.string().max(2000),
  }),
]);
export type AgentFrame = z.infer<typeof AgentFrame>;
export type AgentEvent = Extract<AgentFrame, { employeeId: string }>;

export type ParseResult<T> = { ok: true; frame: T } | { ok: false; error: string };

function parse<T>(schema: z.ZodType<T>, raw: string | ArrayBuffer): ParseResult<T> {
  if (typeof raw !== "string")
    return { ok: false, error: "binary frames are not part of the protocol" };
  if (raw.length > MAX_FRAME_BYTES)
    return { ok: false, error: `frame larger than ${MAX_FRAME_BYTES} bytes` };
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return { ok: false, error: "frame is not JSON" };
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      ok: false,
      error: `invalid frame: ${issue?.path.join(".") || "frame"} ${issue?.message ?? ""}`.trim(),
    };
  }
  return { ok: true, frame: parsed.data };
}

// The one parser per direction.
export const parseAgentFrame = (raw: string | ArrayBuffer) => parse(AgentFrame, raw);
export const parseEdgeFrame = (raw: string | ArrayBuffer) => parse(EdgeFrame, raw);
