import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env.ts";
import { createLogger, errorFields, type Logger } from "../log/logger.ts";
import {
  type AgentEvent,
  type AgentFrame,
  type CommandFrame,
  type EdgeFrame,
  PROTOCOL_VERSION,
  parseAgentFrame,
  type ResultFrame,
} from "../protocol/frames.ts";
import { AGENT_SELF_FENCE_MS } from "../protocol/snapshot-timeouts.ts";
import { employeesWaitingForServer } from "../store/employees.ts";
import { markNodeOffline, recordAgentReport, setNodeLoad } from "../store/nodes.ts";
import { type Clock, systemClock } from "./clock.ts";
import { drainStep, isDraining } from "./node-drain.ts";
import { cameBack, lossAlarm, type NodeContext, offlineSince, wentOffline } from "./node-loss.ts";
import { Placements } from "./node-placements.ts";
import { type ReportContext, reconcileInventory, routeResult } from "./node-reports.ts";
import type { NodeRpc, NodeStatus } from "./node-rpc.ts";
import {
  ASK_TIMEOUT_MS,
  HEARTBEAT_INTERVAL_MS,
  HEARTBEAT_TIMEOUT_MS,
  HELLO_TIMEOUT_MS,
  MOVE_RETRY_MS,
  TOKEN_CHECK_INTERVAL_MS,
  WAKE_WAITING_LIMIT,
} from "./node-timeouts.ts";
import { checkNodeToken, closeRevoked, type TokenCheck, type TokenContext } from "./node-token.ts";
import { employeeStub } from "./stubs.ts";

interface SocketAttachment {
  helloed: boolean;
  connectedAt: number;
}

export type { NodeStatus };

const AGENT_TAG = "agent";

export { TOKEN_REVOKED_CLOSE_CODE } from "./node-token.ts";

// One per node: the agent's socket, its heartbeats and capacity, the employees placed on it,
// and a durable outbox of commands. A command is written to the outbox before it is sent and
// leaves it only when the agent answers with its result, so commands for an agent that is away
// (or that crashed mid-command) are delivered when it reconnects. The agent may speak only for
// the employees placed here. Its token is checked again while it is connected (TOKEN_CHECK_
// INTERVAL_MS, every heartbeat, every command sent): once revoked, the socket is closed and
// nothing more is sent; and the capacity it reports is capped at the slots its token was made
// with.
export class NodeDO extends DurableObject<Env> implements NodeRpc {
  private log: Logger;
  private readonly clock: Clock;
  // Questions in flight (ask): in memory only, since their askers wait on this very instance.
  private readonly questions = new Map<string, (result: ResultFrame) => void>();
  private readonly placed: Placements;

  constructor(ctx: DurableObjectState, env: Env, clock: Clock = systemClock) {
    super(ctx, env);
    this.clock = clock;
    const sql = ctx.storage.sql;
    this.placed = new Placements(sql);
    sql.exec(`CREATE TABLE IF NOT EXISTS outbox (
      id TEXT PRIMARY KEY, employee_id TEXT NOT NULL, type TEXT NOT NULL, frame TEXT NOT NULL, created_at INTEGER NOT NULL)`);
    this.log = createLogger({ nodeId: this.nodeId() });
  }

  // ---- the agent's connection (the Worker checked its token and names the node) ----

  override async fetch(request: Request): Promise<Response> {
    const nodeId = request.headers.get("x-node-id");
    if (!nodeId || request.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return new Response("expected an agent WebSocket", { status: 400 });
    }
    this.ctx.storage.kv.put("nodeId", nodeId);
    this.log = createLogger({ nodeId });
    // One agent per node: a new connection replaces an old one (the agent restarted).
    for (const old of this.ctx.getWebSockets(AGENT_TAG)) {
      try {
        old.close(4000, "replaced by a newer connection");
      } catch {
        // already closed
      }
    }
    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    this.ctx.acceptWebSocket(server, [AGENT_TAG]);
    server.serializeAttachment({
      helloed: false,
      connectedAt: this.clock.now(),
    } satisfies SocketAttachment);
    await this.ctx.storage.setAlarm(this.clock.now() + HELLO_TIMEOUT_MS);
    this.log.info("agent connected");
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(ws: WebSocket, raw: string | ArrayBuffer): Promise<void> {
    const parsed = parseAgentFrame(raw);
    if (!parsed.ok) return this.reject(ws, parsed.error);
    const frame = parsed.frame;
    const attachment = ws.deserializeAttachment() as SocketAttachment;
    if (frame.type === "hello") return this.onHello(ws, frame);
    if (!attachment.helloed) return this.reject(ws, `"${frame.type}" before hello`);
    this.ctx.storage.kv.put("lastSeen", this.clock.now());
    switch (frame.type) {
      case "heartbeat": {
        const updated = await recordAgentReport(
          this.env.DB,
          this.requireNodeId(),
          { slots: frame.capacity.slots },
          this.clock.now(),
        );
        if (!updated) return this.closeRevoked();
        this.ctx.storage.kv.put("reportedSlots", frame.capacity.slots);
        this.ctx.storage.kv.put("capacitySlots", updated.capacitySlots);
        // Heard: the agent may keep its employees running for another lease (self-fencing).
        this.send(ws, { type: "heartbeat.ack", leaseMs: AGENT_SELF_FENCE_MS });
        return;
      }
      case "result":
        return this.onResult(frame);
      default:
        return this.onAgentEvent(ws, frame);
    }
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    this.log.info("agent disconnected", { code, reason });
    try {
      ws.close(code === 1005 ? 1000 : code, "bye");
    } catch {
      // already closed
    }
    await this.markOfflineIfAlone(ws);
  }

  override async webSocketError(ws: WebSocket, error: unknown): Promise<void> {
    this.log.warn("agent socket error", errorFields(error));
    await this.markOfflineIfAlone(ws);
  }

  override async alarm(): Promise<void> {
    // No agent: past NODE_LOST_TIMEOUT_MS its employees move elsewhere (node-loss.ts).
    if (this.ctx.getWebSockets(AGENT_TAG).length === 0) {
      const c = this.moves();
      if (c) await lossAlarm(c);
      return;
    }
    if ((await this.checkToken()) === "revoked") return;
    const moves = this.moves();
    if (moves && this.isOnline()) await drainStep(moves);
    const sockets = this.ctx.getWebSockets(AGENT_TAG);
    const now = this.clock.now();
    const lastSeen = this.ctx.storage.kv.get<number>("lastSeen") ?? 0;
    for (const ws of sockets) {
      const a = ws.deserializeAttachment() as SocketAttachment;
      const silentFor = now - Math.max(lastSeen, a.connectedAt);
      if (
        (!a.helloed && now - a.connectedAt > HELLO_TIMEOUT_MS) ||
        silentFor > HEARTBEAT_TIMEOUT_MS
      ) {
        this.log.warn("closing a silent agent socket", {
          helloed: a.helloed,
          silentForMs: silentFor,
        });
        try {
          ws.close(4008, a.helloed ? "heartbeat timeout" : "no hello");
        } catch {
          // already closed
        }
        await this.markOfflineIfAlone(ws);
      }
    }
    if (this.ctx.getWebSockets(AGENT_TAG).length > 0)
      await this.ctx.storage.setAlarm(now + TOKEN_CHECK_INTERVAL_MS);
  }

  // ---- RPC from EmployeeDOs and the scheduler ----

  // Atomic within this object: two concurrent hires cannot both take the last slot.
  // An employee already placed here keeps its slot under the generation given: a move that
  // failed came back, and a draining node tries it again after MOVE_RETRY_MS.
  async reserve(employeeId: string, generation?: number): Promise<boolean> {
    const now = this.clock.now();
    if (this.isPlaced(employeeId)) {
      this.placed.renew(
        employeeId,
        generation,
        isDraining(this.ctx.storage.kv) ? now + MOVE_RETRY_MS : null,
      );
      return true;
    }
    const capacity = this.ctx.storage.kv.get<number>("capacitySlots") ?? 0;
    if (!this.isOnline() || isDraining(this.ctx.storage.kv) || this.placed.count() >= capacity)
      return false;
    this.placed.add(employeeId, generation ?? 0, now);
    await this.publishLoad();
    return true;
  }

  async release(employeeId: string): Promise<void> {
    this.placed.remove(employeeId);
    this.ctx.storage.sql.exec("DELETE FROM outbox WHERE employee_id = ?", employeeId);
    await this.publishLoad();
    // A move off a draining node finished: the next one starts.
    const moves = this.moves();
    if (moves && this.isOnline() && isDraining(this.ctx.storage.kv))
      this.ctx.waitUntil(drainStep(moves));
    // A slot freed: whoever waits for a server looks again now (the first in line takes it),
    // without holding up the release.
    if (this.isOnline()) this.ctx.waitUntil(this.wakeWaitingEmployees());
  }

  async dispatch(frame: CommandFrame): Promise<void> {
    if (!this.isPlaced(frame.employeeId))
      throw new Error(`employee ${frame.employeeId} is not placed on this node`);
    // A newer command of the same kind for the same employee supersedes one still queued; chat
    // frames are each their own (another conversation's message is no newer version of this
    // one), and one sent again under its id (a chat.send's run id) replaces itself.
    if (!frame.type.startsWith("chat."))
      this.ctx.storage.sql.exec(
        "DELETE FROM outbox WHERE employee_id = ? AND type = ?",
        frame.employeeId,
        frame.type,
      );
    this.ctx.storage.sql.exec(
      "INSERT OR REPLACE INTO outbox (id, employee_id, type, frame, created_at) VALUES (?, ?, ?, ?, ?)",
      frame.id,
      frame.employeeId,
      frame.type,
      JSON.stringify(frame),
      this.clock.now(),
    );
    const ws = this.agentSocket();
    // Queued either way: a command not sent now goes out with the next hello, which a revoked
    // token never gets to.
    if (ws && (await this.checkToken()) === "valid") this.send(ws, frame);
  }

  // A question for the agent (memory.read): sent now, never queued, answered within
  // ASK_TIMEOUT_MS or not at all. The caller is waiting, so there is no one to redeliver to.
  async ask(frame: CommandFrame): Promise<ResultFrame> {
    const fail = (code: string, message: string): ResultFrame => ({
      type: "result",
      id: frame.id,
      ok: false,
      error: { code, message, retryable: true },
    });
    if (!this.isPlaced(frame.employeeId))
      return fail("not_placed", "The employee is not on this server.");
    const ws = this.agentSocket();
    if (!ws || (await this.checkToken()) !== "valid")
      return fail("node_offline", "The employee's server is offline right now.");
    return new Promise<ResultFrame>((resolve) => {
      const timer = setTimeout(() => {
        this.questions.delete(frame.id);
        resolve(fail("timeout", "The employee's server did not answer in time."));
      }, ASK_TIMEOUT_MS);
      this.questions.set(frame.id, (result) => {
        clearTimeout(timer);
        this.questions.delete(frame.id);
        resolve(result);
      });
      this.send(ws, frame);
    });
  }

  status(): NodeStatus {
    return {
      nodeId: this.nodeId(),
      connected: this.agentSocket() !== undefined,
      capacitySlots: this.ctx.storage.kv.get<number>("capacitySlots") ?? 0,
      placements: this.placements(),
      draining: isDraining(this.ctx.storage.kv),
      offlineSince: offlineSince(this.ctx.storage.kv),
      queuedCommands: this.ctx.storage.sql
        .exec<{ n: number }>("SELECT count(*) AS n FROM outbox")
        .one().n,
    };
  }

  // Re-reads nodes.draining_at now (node:drain, the ops route) rather than within
  // TOKEN_CHECK_INTERVAL_MS, and starts moving employees off.
  async drainChanged(): Promise<void> {
    if ((await this.checkToken()) !== "valid") return;
    const moves = this.moves();
    if (moves && this.isOnline()) await drainStep(moves);
  }

  // ---- frames ----

  private async onHello(
    ws: WebSocket,
    hello: Extract<AgentFrame, { type: "hello" }>,
  ): Promise<void> {
    if (hello.protocol !== PROTOCOL_VERSION) {
      this.log.warn("agent speaks another protocol version", {
        theirs: hello.protocol,
        ours: PROTOCOL_VERSION,
      });
      ws.close(
        4002,
        `protocol ${hello.protocol} not supported; this edge speaks ${PROTOCOL_VERSION}`,
      );
      return;
    }
    const nodeId = this.requireNodeId();
    const now = this.clock.now();
    // The agent may report fewer slots than its token was made with, never more.
    const updated = await recordAgentReport(
      this.env.DB,
      nodeId,
      {
        slots: hello.capacity.slots,
        agentVersion: hello.agentVersion,
        runtime: hello.runtime ?? null,
        usedSlots: this.placements().length,
      },
      now,
    );
    if (!updated) return this.closeRevoked();
    ws.serializeAttachment({
      ...(ws.deserializeAttachment() as SocketAttachment),
      helloed: true,
    } satisfies SocketAttachment);
    this.ctx.storage.kv.put("lastSeen", now);
    cameBack({ kv: this.ctx.storage.kv, log: this.log });
    this.ctx.storage.kv.put("reportedSlots", hello.capacity.slots);
    this.ctx.storage.kv.put("capacitySlots", updated.capacitySlots);
    this.log.info("agent said hello", {
      agentVersion: hello.agentVersion,
      runtime: hello.runtime ?? null,
      slots: updated.capacitySlots,
      reportedSlots: hello.capacity.slots,
      inventory: hello.inventory.length,
    });
    this.send(ws, {
      type: "welcome",
      protocol: PROTOCOL_VERSION,
      nodeId,
      heartbeatIntervalMs: HEARTBEAT_INTERVAL_MS,
    });
    this.send(ws, { type: "heartbeat.ack", leaseMs: AGENT_SELF_FENCE_MS });
    // Commands that were waiting for this agent, in the order they were given.
    const queued = this.ctx.storage.sql
      .exec<{ frame: string }>("SELECT frame FROM outbox ORDER BY created_at, rowid")
      .toArray();
    for (const row of queued) ws.send(row.frame);
    await this.ctx.storage.setAlarm(now + TOKEN_CHECK_INTERVAL_MS);

    await reconcileInventory(this.reports(), hello.inventory, (frame) => this.send(ws, frame));
    await this.wakeWaitingEmployees();
  }

  private async onResult(frame: ResultFrame): Promise<void> {
    const asked = this.questions.get(frame.id);
    if (asked) return asked(frame);
    await routeResult(this.reports(), frame);
  }

  private reports(): ReportContext {
    return {
      env: this.env,
      log: this.log,
      sql: this.ctx.storage.sql,
      placements: this.placed,
      nodeId: this.requireNodeId(),
    };
  }

  private async onAgentEvent(ws: WebSocket, event: AgentEvent): Promise<void> {
    if (!this.isPlaced(event.employeeId))
      return this.reject(ws, `employee ${event.employeeId} is not placed on this node`);
    await this.employee(event.employeeId).onEvent(this.requireNodeId(), event);
  }

  private reject(ws: WebSocket, reason: string): void {
    this.log.warn("agent frame rejected", { reason });
    this.send(ws, { type: "rejected", reason });
  }

  private send(ws: WebSocket, frame: EdgeFrame): void {
    try {
      ws.send(JSON.stringify(frame));
    } catch (err) {
      // The socket died under us; the frame stays in the outbox if it was a command.
      this.log.warn("send to agent failed", errorFields(err));
    }
  }

  // ---- the token (node-token.ts) ----

  private checkToken(): Promise<TokenCheck> {
    return checkNodeToken(this.tokenContext());
  }

  private closeRevoked(): Promise<void> {
    return closeRevoked(this.tokenContext());
  }

  private tokenContext(): TokenContext {
    return {
      env: this.env,
      log: this.log,
      kv: this.ctx.storage.kv,
      nodeId: this.nodeId(),
      sockets: () => this.ctx.getWebSockets(AGENT_TAG),
    };
  }

  // ---- helpers ----

  private async wakeWaitingEmployees(): Promise<void> {
    const waiting = await employeesWaitingForServer(this.env.DB, WAKE_WAITING_LIMIT);
    await Promise.allSettled(waiting.map((id) => this.employee(id).retryPlacement()));
  }

  private async publishLoad(): Promise<void> {
    const nodeId = this.nodeId();
    if (nodeId) await setNodeLoad(this.env.DB, nodeId, this.placements().length);
  }

  private async markOfflineIfAlone(closing: WebSocket): Promise<void> {
    const others = this.ctx
      .getWebSockets(AGENT_TAG)
      .filter((ws) => ws !== closing && ws.readyState === WebSocket.OPEN);
    const nodeId = this.nodeId();
    if (others.length === 0 && nodeId) {
      await markNodeOffline(this.env.DB, nodeId);
      await wentOffline({
        kv: this.ctx.storage.kv,
        now: () => this.clock.now(),
        setAlarm: (at) => this.ctx.storage.setAlarm(at),
      });
    }
  }

  // What node-loss.ts and node-drain.ts work with; null before the first connection.
  private moves(): NodeContext | null {
    const nodeId = this.nodeId();
    if (!nodeId) return null;
    return {
      env: this.env,
      log: this.log,
      kv: this.ctx.storage.kv,
      placements: this.placed,
      nodeId,
      now: () => this.clock.now(),
      setAlarm: (at) => this.ctx.storage.setAlarm(at),
      forget: (employeeId) => this.release(employeeId),
    };
  }

  private agentSocket(): WebSocket | undefined {
    return this.ctx
      .getWebSockets(AGENT_TAG)
      .find(
        (ws) =>
          ws.readyState === WebSocket.OPEN &&
          (ws.deserializeAttachment() as SocketAttachment).helloed,
      );
  }

  private isOnline(): boolean {
    return this.agentSocket() !== undefined;
  }

  private placements(): string[] {
    return this.placed.ids();
  }

  private isPlaced(employeeId: string): boolean {
    return this.placed.get(employeeId) !== undefined;
  }

  private nodeId(): string | null {
    return this.ctx.storage.kv.get<string>("nodeId") ?? null;
  }

  private requireNodeId(): string {
    const id = this.nodeId();
    if (!id) throw new Error("node id unknown before the first connection");
    return id;
  }

  private employee(employeeId: string) {
    return employeeStub(this.env, employeeId);
  }
}
