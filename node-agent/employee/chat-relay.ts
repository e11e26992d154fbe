import type { CommandFrame } from "../../edge/protocol/frames.ts";
import type { Logger } from "../logger.ts";
import { type EmployeeRuntime, RuntimeError } from "../runtime/employee-runtime.ts";
import { type ChatAttachments, withAttachmentLines } from "./chat-attachments.ts";
import { ChatProgress, type ChatProgressFrame } from "./chat-progress.ts";
import {
  GatewayClient,
  type GatewayClientOptions,
  GatewayError,
  type RunHandle,
} from "./gateway-client.ts";
import type { GatewayDevices } from "./gateway-devices.ts";
import { GATEWAY_PORT, STATE_DIR } from "./openclaw-config.ts";

// The agent's side of the workspace chat: the edge sends a message (chat.send) and the agent
// hands it to the employee's own OpenClaw as its chat client (gateway-client.ts, read and write
// only), then streams the answer back as chat.progress frames (chat-progress.ts). One client per
// running employee, made on the first message and closed when its container stops or goes; the
// device key it proves goes with the employee. The run id is OpenClaw's idempotency key: a
// chat.send sent again (after a lost connection, an agent restart) joins the run in flight or
// repeats how it ended, never making a second answer.

/** An answer still being written after this long is stopped and reported timed_out. */
export const CHAT_RUN_TIMEOUT_MS = 10 * 60_000;
/** Ended runs whose last frame a repeated chat.send or chat.abort gets again. */
export const CHAT_RECENT_RUNS = 500;
const ACCOUNT_ID = /^[A-Za-z0-9_-]{1,64}$/;
// A message OpenClaw would read as its `/approve <id> <decision>` command (its own pattern,
// commands-approve.ts COMMAND_REGEX, with the slash; a bot mention form too). The chat socket
// holds operator.approvals (gateway-handshake.ts CHAT_SCOPES), so such a message from anyone who
// can write to the employee (a channel's stranger included) would decide an approval: approvals
// are decided in the approvals inbox, by the people allowed to.
export const APPROVE_COMMAND = /^\s*\/approve(?:@\S*)?(?:\s|$)/i;

type SendCommand = Extract<CommandFrame, { type: "chat.send" }>;
type AbortCommand = Extract<CommandFrame, { type: "chat.abort" }>;
// A wait for settled longer than this was a real hold (logged); a shorter one was none.
const HELD_LOG_MS = 50;
type Client = Pick<GatewayClient, "connect" | "send" | "abort" | "close">;

export interface ChatRelayOptions {
  runtime: Pick<EmployeeRuntime, "endpoint" | "readFiles" | "watch">;
  devices: GatewayDevices;
  attachments: Pick<ChatAttachments, "deliver">;
  /** Where chat.progress frames go (the hub connection). */
  send: (frame: ChatProgressFrame) => void;
  log: Logger;
  runTimeoutMs?: number;
  progressIntervalMs?: number;
  /** How a client is made (tests put a stand-in here). */
  client?: (opts: GatewayClientOptions) => Client;
  /** Resolves once a new exec policy is applied (ControlRelay.settled): a message waits for it. */
  settled?: (employeeId: string) => Promise<void>;
}

interface Run {
  key: string;
  employeeId: string;
  runId: string;
  sessionKey: string;
  accepted: Promise<void>;
  progress: ChatProgress;
  handle?: RunHandle;
  abortWanted?: boolean;
  deadline?: NodeJS.Timeout;
}

export class ChatRelay {
  private readonly opts: ChatRelayOptions;
  private readonly clients = new Map<string, Promise<Client>>();
  private readonly runs = new Map<string, Run>();
  private readonly recent = new Map<string, ChatProgressFrame>();
  private readonly unwatch: () => void;

  constructor(opts: ChatRelayOptions) {
    this.opts = opts;
    this.unwatch = opts.runtime.watch((e) => {
      if (e.type === "stopped" || e.type === "removed") void this.forget(e.employeeId);
    });
  }

  /** Resolves once OpenClaw took the message; throws a RuntimeError saying why not. */
  send(cmd: SendCommand): Promise<void> {
    const key = `${cmd.employeeId}/${cmd.runId}`;
    const known = this.runs.get(key);
    if (known) return known.accepted;
    const ended = this.recent.get(key);
    if (ended) {
      this.opts.send(ended);
      return Promise.resolve();
    }
    const run: Run = {
      key,
      employeeId: cmd.employeeId,
      runId: cmd.runId,
      sessionKey: cmd.sessionKey,
      accepted: Promise.resolve(),
      progress: new ChatProgress({
        employeeId: cmd.employeeId,
        runId: cmd.runId,
        send: (frame) => this.emit(run, frame),
        ...(this.opts.progressIntervalMs ? { intervalMs: this.opts.progressIntervalMs } : {}),
      }),
    };
    run.accepted = this.accept(run, cmd).catch((err: unknown) => {
      if (this.runs.get(key) === run) this.runs.delete(key);
      throw err;
    });
    this.runs.set(key, run);
    return run.accepted;
  }

  /** Stops the session's answer (or that run); nothing to stop is fine. */
  async abort(cmd: AbortCommand): Promise<void> {
    const mine = [...this.runs.values()].filter(
      (r) =>
        r.employeeId === cmd.employeeId &&
        r.sessionKey === cmd.sessionKey &&
        (!cmd.runId || r.runId === cmd.runId),
    );
    // Not yet with OpenClaw (attachments on their way): stopped as soon as it is.
    for (const r of mine) if (!r.handle) r.abortWanted = true;
    if (cmd.runId) {
      const ended = this.recent.get(`${cmd.employeeId}/${cmd.runId}`);
      if (ended) this.opts.send(ended);
    }
    if (!(await this.opts.runtime.endpoint(cmd.employeeId, GATEWAY_PORT))) return;
    const client = await this.client(cmd.employeeId).catch((err: unknown) => {
      throw refusal(err);
    });
    await client.abort(cmd.sessionKey, cmd.runId).catch((err: unknown) => {
      throw refusal(err);
    });
  }

  /** The employee's container stopped or went: its client closes (its runs end unreachable). */
  async forget(employeeId: string, opts: { removed?: boolean } = {}): Promise<void> {
    const client = this.clients.get(employeeId);
    this.clients.delete(employeeId);
    if (opts.removed) this.opts.devices.delete(employeeId);
    const c = await client?.catch(() => undefined);
    await c?.close().catch(() => undefined);
  }

  async close(): Promise<void> {
    this.unwatch();
    const ids = [...this.clients.keys()];
    await Promise.all(ids.map((id) => this.forget(id)));
    for (const run of this.runs.values()) clearTimeout(run.deadline);
  }

  private async accept(run: Run, cmd: SendCommand): Promise<void> {
    if (APPROVE_COMMAND.test(cmd.text))
      throw new RuntimeError(
        "bad_command",
        "approvals are decided in the approvals inbox, not by a chat message",
        false,
      );
    // While OpenClaw restarts for a new autonomy (seconds), the message waits rather than meet
    // the old policy or be cut by the restart.
    const held = Date.now();
    await this.opts.settled?.(cmd.employeeId);
    if (Date.now() - held > HELD_LOG_MS)
      this.opts.log.info(
        { employeeId: cmd.employeeId, runId: cmd.runId, ms: Date.now() - held },
        "chat message held while OpenClaw restarted",
      );
    if (!(await this.opts.runtime.endpoint(cmd.employeeId, GATEWAY_PORT)))
      throw new RuntimeError("not_running", "the employee is not running", true);
    const delivered = await this.opts.attachments.deliver(cmd.employeeId, cmd.attachments);
    const text = withAttachmentLines(cmd.text, delivered.paths);
    let handle: RunHandle;
    try {
      const client = await this.client(cmd.employeeId);
      handle = await client.send(cmd.sessionKey, text, {
        idempotencyKey: cmd.runId,
        ...(delivered.images.length ? { attachments: delivered.images } : {}),
      });
    } catch (err) {
      throw refusal(err);
    }
    run.handle = handle;
    run.deadline = setTimeout(
      () => void this.timedOut(run),
      this.opts.runTimeoutMs ?? CHAT_RUN_TIMEOUT_MS,
    );
    void this.pump(run, handle);
    if (run.abortWanted)
      void this.client(run.employeeId)
        .then((c) => c.abort(run.sessionKey, run.runId))
        .catch((err: unknown) => this.opts.log.warn({ err, runId: run.runId }, "could not stop"));
  }

  private async pump(run: Run, handle: RunHandle): Promise<void> {
    for await (const e of handle) run.progress.apply(e);
  }

  private async timedOut(run: Run): Promise<void> {
    if (run.progress.ended) return;
    const minutes = Math.round((this.opts.runTimeoutMs ?? CHAT_RUN_TIMEOUT_MS) / 60_000);
    run.progress.fail({
      code: "timed_out",
      message: `No answer within ${minutes || "<1"} minutes; the answer was stopped.`,
    });
    const client = await this.clients.get(run.employeeId)?.catch(() => undefined);
    await client
      ?.abort(run.sessionKey, run.runId)
      .catch((err: unknown) =>
        this.opts.log.warn({ err, runId: run.runId }, "could not stop a run past its deadline"),
      );
  }

  // Every frame of a run goes to the edge; its end is kept a while for a repeated command.
  private emit(run: Run, frame: ChatProgressFrame): void {
    this.opts.send(frame);
    if (frame.state === "streaming") return;
    clearTimeout(run.deadline);
    if (this.runs.get(run.key) === run) this.runs.delete(run.key);
    this.recent.set(run.key, frame);
    if (this.recent.size > CHAT_RECENT_RUNS) {
      const oldest = this.recent.keys().next().value;
      if (oldest !== undefined) this.recent.delete(oldest);
    }
    this.opts.log.info(
      {
        employeeId: run.employeeId,
        runId: run.runId,
        state: frame.state,
        ...(frame.error ? { code: frame.error.code } : {}),
      },
      "chat answer ended",
    );
  }

  private client(employeeId: string): Promise<Client> {
    const known = this.clients.get(employeeId);
    if (known) return known;
    const made = (async () => {
      const make = this.opts.client ?? ((o: GatewayClientOptions) => new GatewayClient(o));
      const client = make({
        employeeId,
        accountId: await this.accountOf(employeeId),
        endpoint: () => this.opts.runtime.endpoint(employeeId, GATEWAY_PORT),
        devices: this.opts.devices,
        log: this.opts.log.child({ employeeId }),
      });
      try {
        await client.connect();
        return client;
      } catch (err) {
        await client.close().catch(() => undefined);
        throw err;
      }
    })();
    this.clients.set(employeeId, made);
    made.catch(() => {
      if (this.clients.get(employeeId) === made) this.clients.delete(employeeId);
    });
    return made;
  }

  // Who the employee works for: the one user its OpenClaw admits (openclaw.json, which the agent
  // wrote). Read there because no command of the chat carries it.
  private async accountOf(employeeId: string): Promise<string> {
    const read = await this.opts.runtime.readFiles(employeeId, `${STATE_DIR}/openclaw.json`, {
      maxEntries: 1,
      maxArchiveBytes: 1024 * 1024,
      maxFileBytes: 256 * 1024,
    });
    let users: unknown;
    try {
      const config = JSON.parse(read.entries[0]?.content.toString("utf8") ?? "null") as {
        gateway?: { auth?: { trustedProxy?: { allowUsers?: unknown } } };
      } | null;
      users = config?.gateway?.auth?.trustedProxy?.allowUsers;
    } catch {
      users = undefined;
    }
    const account = Array.isArray(users) ? users[0] : undefined;
    if (typeof account !== "string" || !ACCOUNT_ID.test(account))
      throw new RuntimeError("unreachable", "the employee's chat is not configured yet", true);
    return account;
  }
}

// Why OpenClaw did not take a message, for the command's result: its refusals of the request
// itself cannot be helped by sending again; everything else (not reachable, not answering,
// restarting) can.
function refusal(err: unknown): RuntimeError {
  if (err instanceof RuntimeError) return err;
  if (!(err instanceof GatewayError))
    return new RuntimeError("unreachable", err instanceof Error ? err.message : String(err), true);
  const message = `OpenClaw: ${err.message}`.slice(0, 1_000);
  if (err.code === "NOT_RUNNING")
    return new RuntimeError("not_running", "the employee is not running", true);
  // A refused connect (its detail says why: AUTH_UNAUTHORIZED, …) may heal with the next
  // employee.configure; a refused message never will.
  if (err.code === "INVALID_REQUEST" && !err.detail)
    return new RuntimeError(
      /attachment|over \d+ bytes/i.test(err.message) ? "attachment_failed" : "bad_command",
      message,
      false,
    );
  return new RuntimeError("unreachable", message, err.code !== "FORBIDDEN");
}
