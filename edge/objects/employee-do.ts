import { DurableObject } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { openDb } from "../../db/client.ts";
import { users } from "../../db/schema.ts";
import { type Env, gatewayUrl, parseConfig } from "../env.ts";
import { createLogger, errorFields, type Logger } from "../log/logger.ts";
import type {
  AgentEvent,
  CommandFrame,
  ContainerCommandType,
  EmployeeSpec,
  Instance,
  MemoryFile,
  ResultError,
} from "../protocol/frames.ts";
import { chatOrigin } from "../services/access.ts";
import { forgetEmployee, mirrorEmployee } from "../services/employee-mirror.ts";
import { deleteEmployeeKnowledge, knowledgeForEmployee } from "../services/knowledge.ts";
import { mintLlmKey, revokeLlmKeys } from "../services/llm-keys.ts";
import { placeEmployee } from "../services/placement.ts";
import {
  type Desired,
  type EmployeeRecord,
  type EmployeeView,
  type PendingOp,
  STEPS,
  toView,
} from "./employee-record.ts";
import {
  backoff,
  COMMAND_TIMEOUT_MS,
  MAX_COMMAND_ATTEMPTS,
  PLACEMENT_RETRY_BASE_MS,
  PLACEMENT_RETRY_MAX_MS,
  RETRY_BACKOFF_BASE_MS,
  RETRY_BACKOFF_MAX_MS,
  WAIT_FOR_SERVER_TIMEOUT_MS,
} from "./employee-timeouts.ts";
import { nodeStub } from "./stubs.ts";

export type NewEmployee = Pick<
  EmployeeRecord,
  "id" | "userId" | "name" | "role" | "tone" | "skills"
>;

// Verbs answer with a result rather than throwing: an error's class does not survive RPC.
export type ActionResult =
  | { ok: true; employee: EmployeeView }
  | { ok: false; code: "invalid_state" | "not_found"; message: string };

const refuse = (message: string): ActionResult => ({ ok: false, code: "invalid_state", message });
const missing: ActionResult = {
  ok: false,
  code: "not_found",
  message: "This employee does not exist.",
};

const RECORD_KEY = "employee";
// Kept after the employee is fired: this object is never created again, so a provision that
// raced the firing cannot bring back an object (and a container) that D1 no longer lists.
const FIRED_KEY = "fired";

// One per employee: the owner of its lifecycle (DESIGN.md). Every transition is written to this
// object's storage before anything is sent; every command carries an id and a named timeout;
// results and events that do not match the operation in progress are ignored, so a late or
// duplicated frame cannot move the state backwards. D1 mirrors the record for listing, and every
// change is pushed to the live sockets.
export class EmployeeDO extends DurableObject<Env> {
  private record: EmployeeRecord | undefined;
  private log: Logger;
  private mirrorChain: Promise<void> = Promise.resolve();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.record = ctx.storage.kv.get<EmployeeRecord>(RECORD_KEY);
    this.log = createLogger({ employeeId: this.record?.id });
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
  }

  // ---- RPC: the Worker's verbs ----

  /** Null when this employee was fired: it is never created again. */
  async create(input: NewEmployee): Promise<EmployeeView | null> {
    // A fresh object must start clean, even if an earlier incarnation with this name left an alarm.
    if (!this.record) await this.ctx.storage.deleteAlarm();
    if (this.ctx.storage.kv.get(FIRED_KEY)) return null;
    if (this.record) return toView(this.record);
    const now = Date.now();
    this.log = createLogger({ employeeId: input.id, userId: input.userId });
    this.commit({
      ...input,
      status: "provisioning",
      statusReason: null,
      step: STEPS.findingServer,
      nodeId: null,
      containerId: null,
      desired: "running",
      op: null,
      waitingSince: now,
      createdAt: now,
      updatedAt: now,
    });
    await this.place();
    return this.view();
  }

  view(): EmployeeView | null {
    return this.record ? toView(this.record) : null;
  }

  async update(patch: { name?: string; tone?: string; skills?: string[] }): Promise<ActionResult> {
    if (!this.record) return missing;
    this.commit({ ...this.record, ...patch });
    await this.mirrorChain;
    // The workspace is rendered again on the node; OpenClaw reads it afresh, no restart needed.
    const r = this.current();
    if (r.nodeId && r.desired !== "gone") {
      try {
        await nodeStub(this.env, r.nodeId).dispatch({
          type: "employee.configure",
          id: crypto.randomUUID(),
          employeeId: r.id,
          spec: await this.spec(),
        });
      } catch (err) {
        // The next provision renders it anyway.
        this.log.warn("settings could not be sent to the node", errorFields(err));
      }
    }
    return this.ok();
  }

  async provision(): Promise<ActionResult> {
    const r = this.record;
    if (!r) return missing;
    if (r.billingHold) return refuse(r.billingHold);
    if (!["none", "error", "stopped"].includes(r.status))
      return refuse(`An employee that is ${r.status} cannot be started.`);
    this.commit({
      ...r,
      status: "provisioning",
      statusReason: null,
      desired: "running",
      op: null,
      waitingSince: Date.now(),
    });
    if (r.nodeId) await this.send("container.provision", 1, STEPS.sentToServer);
    else await this.place();
    return this.ok();
  }

  async restart(): Promise<ActionResult> {
    const r = this.record;
    if (!r) return missing;
    if (r.status === "running" || r.status === "unhealthy") {
      this.commit({ ...r, status: "restarting", statusReason: null, desired: "running", op: null });
      await this.send("container.restart", 1, STEPS.restarting);
      return this.ok();
    }
    if (["none", "error", "stopped"].includes(r.status)) return this.provision();
    return refuse(`An employee that is ${r.status} cannot be restarted now.`);
  }

  // ---- RPC: billing (edge/services/billing-enforcement.ts) ----

  /** Stops the employee for a billing reason it then shows, and keeps it stopped. */
  async hold(reason: string): Promise<ActionResult> {
    if (!this.record) return missing;
    // A held employee may not run: its gateway key stops working now, before anything else
    // changes, so a failure here leaves the hold to be retried whole.
    await revokeLlmKeys(this.env, this.record.id, Date.now());
    const r = this.record;
    if (!r) return missing;
    this.commit({ ...r, billingHold: reason });
    if (["running", "unhealthy", "restarting", "provisioning"].includes(r.status))
      return this.stop();
    if (["none", "stopped", "error"].includes(r.status))
      this.commit({ ...this.current(), statusReason: reason, desired: "stopped" });
    await this.mirrorChain;
    return this.ok();
  }

  /** Lifts a billing hold; an employee billing stopped starts again. */
  async release(): Promise<ActionResult> {
    const r = this.record;
    if (!r) return missing;
    if (!r.billingHold) return this.ok();
    this.commit({ ...r, billingHold: null, statusReason: null });
    if (r.status === "stopped" || r.status === "none") return this.provision();
    await this.mirrorChain;
    return this.ok();
  }

  held(): string | null {
    return this.record?.billingHold ?? null;
  }

  async stop(): Promise<ActionResult> {
    const asked = this.record;
    if (!asked) return missing;
    if (!["running", "unhealthy", "restarting", "provisioning"].includes(asked.status)) {
      return refuse(`An employee that is ${asked.status} cannot be stopped.`);
    }
    // Its gateway key stops working now, not when the node reports the container stopped.
    // `desired` is committed first, so a key a provision in flight mints meanwhile is retired too
    // (frameFor), and a revocation that fails leaves a running employee whose stop can be retried.
    this.commit({ ...asked, desired: "stopped" });
    await revokeLlmKeys(this.env, asked.id, Date.now());
    const r = this.current();
    if (!["running", "unhealthy", "restarting", "provisioning"].includes(r.status))
      return this.ok();
    if (!r.nodeId) {
      // Still waiting for a server: nothing runs anywhere, so stopping is immediate.
      this.commit({
        ...r,
        status: "stopped",
        statusReason: r.billingHold ?? null,
        step: null,
        desired: "stopped",
        op: null,
        waitingSince: null,
      });
      this.armAlarm();
      await this.mirrorChain;
      return this.ok();
    }
    this.commit({
      ...r,
      status: "stopping",
      statusReason: r.billingHold ?? null,
      desired: "stopped",
      op: null,
    });
    await this.send("container.stop", 1, STEPS.stopping);
    return this.ok();
  }

  // Two phases: mark removing (persisted, mirrored), have the node remove container and volume,
  // then forget everything. Firing works from any state and is retried like any command. An
  // employee whose object never started is forgotten here too (given its id), so that the D1 row
  // goes only after this object can no longer be created.
  async remove(employeeId?: string): Promise<{ ok: true }> {
    this.ctx.storage.kv.put(FIRED_KEY, true);
    const r = this.record;
    if (!r) {
      if (employeeId) await this.forget(employeeId);
      return { ok: true };
    }
    if (r.status === "removing" && r.op) return { ok: true };
    this.commit({ ...r, status: "removing", statusReason: null, desired: "gone", op: null });
    // Fired: the key stops working now, not once the node has removed the container.
    await revokeLlmKeys(this.env, r.id, Date.now());
    if (this.current().nodeId) await this.send("container.remove", 1, STEPS.removing);
    else await this.finishRemoval();
    return { ok: true };
  }

  private ok(): ActionResult {
    return this.record ? { ok: true, employee: toView(this.record) } : missing;
  }

  // ---- RPC: from the NodeDO of the node this employee is placed on ----

  async onCommandResult(
    nodeId: string,
    result:
      | { id: string; ok: true; data?: Instance }
      | { id: string; ok: false; error: ResultError },
  ): Promise<void> {
    const r = this.record;
    if (!r || r.nodeId !== nodeId || !r.op || r.op.commandId !== result.id) {
      this.log.info("stale command result ignored", { commandId: result.id, nodeId });
      return;
    }
    const kind = r.op.kind as ContainerCommandType;
    if (!result.ok) {
      await this.failed(kind, result.error);
      return;
    }
    const containerId = result.data?.containerId ?? r.containerId;
    switch (kind) {
      case "container.provision":
      case "container.start":
      case "container.restart":
        this.commit({
          ...r,
          status: "running",
          statusReason: null,
          step: null,
          op: null,
          containerId,
          waitingSince: null,
        });
        break;
      case "container.stop":
        this.commit({
          ...r,
          status: "stopped",
          statusReason: r.billingHold ?? null,
          step: null,
          op: null,
        });
        break;
      case "container.remove":
        await this.finishRemoval();
        return;
    }
    this.armAlarm();
    // Running again: bring its knowledge up to date (deletions wait for a running container).
    if (kind !== "container.stop")
      await this.syncKnowledge().catch((err: unknown) =>
        this.log.warn("knowledge sync could not be queued", errorFields(err)),
      );
  }

  async onEvent(nodeId: string, event: AgentEvent): Promise<void> {
    const r = this.record;
    if (!r || r.nodeId !== nodeId) {
      this.log.warn("event from a node this employee is not placed on", {
        nodeId,
        type: event.type,
      });
      return;
    }
    const containerId = event.containerId ?? r.containerId;
    switch (event.type) {
      case "container.created":
        if (r.status === "provisioning") this.commit({ ...r, containerId, step: STEPS.creating });
        break;
      case "container.started":
        if (r.status === "provisioning" || r.status === "restarting")
          this.commit({ ...r, containerId, step: STEPS.starting });
        break;
      case "container.health_changed":
        if (event.health === "unhealthy" && r.status === "running")
          await this.selfHeal("Its health check is failing.");
        else if (event.health === "healthy" && r.status === "unhealthy") {
          this.commit({ ...r, status: "running", statusReason: null, step: null, op: null });
        }
        break;
      case "container.stopped":
        if (r.desired === "running" && r.status === "running") {
          await this.selfHeal(
            `It stopped unexpectedly (exit code ${event.exitCode ?? "unknown"}).`,
          );
        }
        break;
      case "container.removed":
        if (r.status === "removing") await this.finishRemoval();
        break;
    }
  }

  // What the node reported on (re)connect: Docker is the source of truth for what runs there.
  async onInventory(nodeId: string, instance: Instance): Promise<void> {
    const r = this.record;
    if (!r || r.nodeId !== nodeId) return;
    if (r.op) return; // an operation in progress will settle it, and its commands are redelivered
    if (r.desired === "running" && r.status === "running" && instance.state !== "running") {
      if (instance.state === "unhealthy") await this.selfHeal("Its health check is failing.");
      else await this.selfHeal(`Its container was found ${instance.state} on the server.`);
    } else if (r.desired === "stopped" && instance.state === "running") {
      this.commit({ ...r, status: "stopping", op: null });
      await this.send("container.stop", 1, STEPS.stopping);
    } else if (instance.containerId && instance.containerId !== r.containerId) {
      this.commit({ ...r, containerId: instance.containerId });
    }
  }

  // A node connected or freed room: an employee waiting for a server looks again now.
  async retryPlacement(): Promise<void> {
    const r = this.record;
    if (r && r.status === "provisioning" && !r.nodeId) await this.place();
  }

  // The cron's safety net: whatever the alarm should be doing, make sure it is scheduled.
  async reconcile(): Promise<void> {
    const r = this.record;
    if (!r) return;
    if (r.op && r.op.wakeAt <= Date.now()) await this.alarm();
    else this.armAlarm();
    this.mirror();
    await this.mirrorChain;
  }

  // ---- live status sockets (hibernation API: idle viewers cost nothing) ----

  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return new Response("expected a WebSocket upgrade", { status: 426 });
    }
    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    this.ctx.acceptWebSocket(server);
    server.send(JSON.stringify({ type: "status", employee: this.view() }));
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(): Promise<void> {
    // Viewers only listen; "ping" is answered by the auto-response without waking us.
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    try {
      ws.close(code === 1005 ? 1000 : code, "bye");
    } catch {
      // already closed
    }
  }

  // ---- timeouts and retries ----

  override async alarm(): Promise<void> {
    const r = this.record;
    if (!r?.op) return;
    const now = Date.now();
    if (r.op.wakeAt > now) {
      this.armAlarm();
      return;
    }
    if (r.op.kind === "place") {
      await this.place();
      return;
    }
    if (r.op.commandId === null) {
      // A retry whose backoff has passed.
      await this.send(r.op.kind, r.op.attempt, r.step ?? STEPS.sentToServer);
      return;
    }
    const seconds = Math.round(COMMAND_TIMEOUT_MS[r.op.kind] / 1000);
    await this.failed(r.op.kind, {
      code: "timeout",
      message: `The server did not finish within ${seconds} seconds.`,
      retryable: true,
    });
  }

  // ---- internals ----

  private current(): EmployeeRecord {
    if (!this.record) throw new Error("this employee does not exist");
    return this.record;
  }

  // The one way state changes: memory and storage together (synchronously, so no other event
  // can interleave), then the live viewers, then the D1 mirror in order.
  private commit(next: EmployeeRecord): void {
    const record = { ...next, updatedAt: Date.now() };
    this.record = record;
    this.ctx.storage.kv.put(RECORD_KEY, record);
    const frame = JSON.stringify({ type: "status", employee: toView(record) });
    for (const ws of this.ctx.getWebSockets()) {
      try {
        ws.send(frame);
      } catch {
        // a viewer that went away; its close event cleans up
      }
    }
    this.mirror();
  }

  private mirror(): void {
    this.mirrorChain = this.mirrorChain
      .then(async () => {
        // Always the latest record, so writes that finish out of order still converge.
        if (this.record) await mirrorEmployee(this.env.DB, this.record);
      })
      .catch((err) => this.log.error("mirroring to D1 failed", errorFields(err)));
  }

  private armAlarm(): void {
    const wakeAt = this.record?.op?.wakeAt;
    if (wakeAt === undefined) void this.ctx.storage.deleteAlarm();
    else void this.ctx.storage.setAlarm(wakeAt);
  }

  private async place(): Promise<void> {
    const r = this.current();
    const waitingSince = r.waitingSince ?? Date.now();
    let nodeId: string | null = null;
    try {
      nodeId = await placeEmployee(this.env, r.id);
    } catch (err) {
      this.log.error("placement failed", errorFields(err));
    }
    // Other calls ran while the nodes were asked: a removal, a stop or another placement. A
    // reservation nobody wants any more is given back, or the node would keep a slot (and tell
    // its agent to keep a container) for an employee that is gone.
    const now = this.record;
    if (now?.desired !== "running" || now.status !== "provisioning" || now.nodeId) {
      if (nodeId && nodeId !== now?.nodeId)
        await nodeStub(this.env, nodeId)
          .release(r.id)
          .catch((err: unknown) =>
            this.log.warn("releasing a stale reservation failed", errorFields(err)),
          );
      return;
    }
    if (nodeId) {
      this.log = this.log.child({ nodeId });
      this.commit({ ...this.current(), nodeId, op: null });
      await this.send("container.provision", 1, STEPS.sentToServer);
      return;
    }
    if (Date.now() - waitingSince > WAIT_FOR_SERVER_TIMEOUT_MS) {
      this.commit({
        ...this.current(),
        status: "error",
        statusReason: `No server had room for ${WAIT_FOR_SERVER_TIMEOUT_MS / 60_000} minutes. Press Start to try again.`,
        step: null,
        op: null,
        waitingSince: null,
      });
      this.armAlarm();
      await this.mirrorChain;
      return;
    }
    const attempt = r.op?.kind === "place" ? r.op.attempt + 1 : 1;
    this.commit({
      ...this.current(),
      step: STEPS.waitingForServer,
      waitingSince,
      op: {
        kind: "place",
        commandId: null,
        attempt,
        wakeAt: Date.now() + backoff(attempt, PLACEMENT_RETRY_BASE_MS, PLACEMENT_RETRY_MAX_MS),
      },
    });
    this.armAlarm();
    await this.mirrorChain;
  }

  private async send(kind: ContainerCommandType, attempt: number, step: string): Promise<void> {
    const r = this.current();
    const nodeId = r.nodeId;
    if (!nodeId) throw new Error(`cannot send ${kind}: no node`);
    const commandId = crypto.randomUUID();
    const op: PendingOp = {
      kind,
      commandId,
      attempt,
      wakeAt: Date.now() + COMMAND_TIMEOUT_MS[kind],
    };
    // Persisted before it is sent: if we die right after, the alarm finds the op and retries.
    this.commit({ ...r, step, op });
    this.armAlarm();
    try {
      const frame = await this.frameFor(kind, commandId);
      if (this.record?.op?.commandId !== commandId) {
        // Superseded while the frame was made (fired, stopped, …): the newer operation sends its
        // own command, and a key minted for a fired employee is retired at once.
        this.log.info("superseded command not sent", { commandId, type: kind });
        if (!this.record) await revokeLlmKeys(this.env, r.id, Date.now());
        return;
      }
      await nodeStub(this.env, nodeId).dispatch(frame);
      this.log.info("command dispatched", { commandId, type: kind, attempt });
    } catch (err) {
      // The NodeDO could not take it; the deadline alarm retries.
      this.log.warn("command dispatch failed", { commandId, type: kind, ...errorFields(err) });
    }
    await this.mirrorChain;
  }

  private async frameFor(kind: ContainerCommandType, id: string): Promise<CommandFrame> {
    const r = this.current();
    if (kind === "container.provision") {
      // Every provision brings a fresh gateway key and retires the previous one (rotation).
      const apiKey = await mintLlmKey(this.env, r.id, r.userId, Date.now());
      // A stop, hold or firing committed while this key was minted did not see it: retire it.
      if (this.record?.desired !== "running") await revokeLlmKeys(this.env, r.id, Date.now());
      const llm = { baseUrl: gatewayUrl(parseConfig(this.env)), apiKey };
      return { type: kind, id, employeeId: r.id, spec: { ...(await this.spec()), llm } };
    }
    return { type: kind, id, employeeId: r.id };
  }

  // What the agent renders the workspace from. Without `llm`, the agent leaves openclaw.json as
  // it is (only a provision mints a key).
  private async spec(): Promise<EmployeeSpec> {
    const r = this.current();
    const config = parseConfig(this.env);
    const customer = await openDb(this.env.DB)
      .select({ name: users.name, email: users.email })
      .from(users)
      .where(eq(users.id, r.userId))
      .get();
    return {
      employeeId: r.id,
      userId: r.userId,
      name: r.name,
      role: r.role,
      tone: r.tone,
      skills: r.skills,
      ...(customer
        ? { customer: { name: customer.name ?? customer.email, email: customer.email } }
        : {}),
      chatOrigin: chatOrigin(config, r.id),
    };
  }

  // ---- RPC: the knowledge base and memory (not lifecycle: no state changes here) ----

  /** Tells the node the whole wanted knowledge base; it fetches and deletes the difference. */
  async syncKnowledge(): Promise<void> {
    const r = this.record;
    if (!r?.nodeId || r.desired === "gone") return;
    const files = await knowledgeForEmployee({ db: openDb(this.env.DB) }, r.userId, r.id);
    await nodeStub(this.env, r.nodeId).dispatch({
      type: "knowledge.sync",
      id: crypto.randomUUID(),
      employeeId: r.id,
      userId: r.userId,
      ...files,
    });
  }

  async readMemory(): Promise<
    | { ok: true; files: MemoryFile[] }
    | { ok: false; code: "not_found" | "unavailable"; message: string }
  > {
    const r = this.record;
    if (!r) return { ok: false, code: "not_found", message: "This employee does not exist." };
    if (!r.nodeId || r.status === "removing")
      return {
        ok: false,
        code: "unavailable",
        message: "The memory can be read once the employee has started for the first time.",
      };
    const result = await nodeStub(this.env, r.nodeId).ask({
      type: "memory.read",
      id: crypto.randomUUID(),
      employeeId: r.id,
    });
    if (!result.ok) return { ok: false, code: "unavailable", message: result.error.message };
    return { ok: true, files: result.memory ?? [] };
  }

  private async failed(kind: ContainerCommandType, error: ResultError): Promise<void> {
    const r = this.current();
    const attempt = r.op?.attempt ?? 1;
    this.log.warn("command failed", {
      type: kind,
      attempt,
      code: error.code,
      error: error.message,
    });
    if (error.retryable && attempt < MAX_COMMAND_ATTEMPTS) {
      const wakeAt = Date.now() + backoff(attempt, RETRY_BACKOFF_BASE_MS, RETRY_BACKOFF_MAX_MS);
      this.commit({ ...r, op: { kind, commandId: null, attempt: attempt + 1, wakeAt } });
      this.armAlarm();
      return;
    }
    const what = describe(kind);
    this.commit({
      ...r,
      status: "error",
      statusReason: `${what} failed: ${error.message}${error.retryable ? ` (after ${attempt} attempts)` : ""}. Press Start to try again.`,
      step: null,
      op: null,
      waitingSince: null,
    });
    this.armAlarm();
    await this.mirrorChain;
  }

  private async selfHeal(reason: string): Promise<void> {
    const r = this.current();
    this.commit({ ...r, status: "unhealthy", statusReason: reason, op: null });
    this.commit({ ...this.current(), status: "restarting" });
    await this.send("container.restart", 1, STEPS.restarting);
  }

  private async finishRemoval(): Promise<void> {
    const r = this.current();
    if (r.nodeId) {
      try {
        await nodeStub(this.env, r.nodeId).release(r.id);
      } catch (err) {
        this.log.warn("releasing the node slot failed", errorFields(err));
      }
    }
    await this.mirrorChain;
    await this.forget(r.id);
    for (const ws of this.ctx.getWebSockets()) {
      try {
        ws.send(JSON.stringify({ type: "removed", employeeId: r.id }));
        ws.close(1000, "employee removed");
      } catch {
        // gone already
      }
    }
    this.record = undefined;
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.ctx.storage.kv.put(FIRED_KEY, true);
    this.log.info("employee removed");
  }

  // What outlives the object elsewhere: its gateway keys, its own files, its D1 row (last).
  private async forget(employeeId: string): Promise<void> {
    await revokeLlmKeys(this.env, employeeId, Date.now());
    await deleteEmployeeKnowledge({ db: openDb(this.env.DB), env: this.env }, employeeId);
    await forgetEmployee(this.env.DB, employeeId);
  }
}

function describe(kind: ContainerCommandType): string {
  const names: Record<ContainerCommandType, string> = {
    "container.provision": "Starting the employee",
    "container.start": "Starting the employee",
    "container.restart": "Restarting the employee",
    "container.stop": "Stopping the employee",
    "container.remove": "Removing the employee",
  };
  return names[kind];
}

export type { Desired };
