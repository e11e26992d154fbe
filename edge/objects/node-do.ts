import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env.ts";
import { createLogger, errorFields, type Logger } from "../log/logger.ts";
import {
  type AgentEvent,
  type AgentFrame,
  type CommandFrame,
  type EdgeFrame,
  parseAgentFrame,
  type ResultFrame,
} from "../protocol/frames.ts";
import { markNodeOffline } from "../store/nodes.ts";
import { AgentSockets } from "./agent-sockets.ts";
import { type Clock, systemClock } from "./clock.ts";
import { drainStep, isDraining } from "./node-drain.ts";
import {
  type AgentReportContext,
  acceptHeartbeat,
  acceptHello,
  refuseOtherProtocol,
} from "./node-hello.ts";
import { lossAlarm, type NodeContext, offlineSince, wentOffline } from "./node-loss.ts";
import { NodeOutbox } from "./node-outbox.ts";
import { Placements } from "./node-placements.ts";
import { NodeQuestions, unanswered } from "./node-questions.ts";
import { type ReportContext, reconcileInventory, routeResult } from "./node-reports.ts";
import type { NodeRpc, NodeStatus } from "./node-rpc.ts";
import { publishLoad, type SlotContext, takeSlot, wakeWaitingEmployees } from "./node-slots.ts";
import { HELLO_TIMEOUT_MS, TOKEN_CHECK_INTERVAL_MS } from "./node-timeouts.ts";
import { checkNodeToken, closeRevoked, type TokenCheck, type TokenContext } from "./node-token.ts";
import { employeeStub } from "./stubs.ts";

export { TOKEN_REVOKED_CLOSE_CODE } from "./node-token.ts";
export type { NodeStatus };

// One per node: the agent's socket (agent-sockets.ts), its hello and heartbeats with capacity
// (node-hello.ts), its slots (node-slots.ts) and the employees placed on it
// (node-placements.ts), and a durable outbox of commands (node-outbox.ts): commands for an agent
// that is away (or that crashed mid-command) are delivered when it reconnects. The agent may
// speak only for the employees placed here. Its token is checked again while it is connected
// (TOKEN_CHECK_INTERVAL_MS, every heartbeat, every command sent): once revoked, the socket is
// closed and nothing more is sent; and the capacity it reports is capped at the slots its token
// was made with.
export class NodeDO extends DurableObject<Env> implements NodeRpc {
  private log: Logger;
  private readonly clock: Clock;
  private readonly questions = new NodeQuestions();
  private readonly placed: Placements;
  private readonly outbox: NodeOutbox;
  private readonly sockets: AgentSockets;

  constructor(ctx: DurableObjectState, env: Env, clock: Clock = systemClock) {
    super(ctx, env);
    this.clock = clock;
    const sql = ctx.storage.sql;
    this.placed = new Placements(sql);
    this.outbox = new NodeOutbox(sql);
    this.sockets = new AgentSockets(ctx);
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
    const client = this.sockets.accept(this.clock.now());
    await this.ctx.storage.setAlarm(this.clock.now() + HELLO_TIMEOUT_MS);
    this.log.info("agent connected");
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(ws: WebSocket, raw: string | ArrayBuffer): Promise<void> {
    const parsed = parseAgentFrame(raw);
    if (!parsed.ok) return this.reject(ws, parsed.error);
    const frame = parsed.frame;
    if (frame.type === "hello") return this.onHello(ws, frame);
    if (!AgentSockets.helloed(ws)) return this.reject(ws, `"${frame.type}" before hello`);
    this.ctx.storage.kv.put("lastSeen", this.clock.now());
    switch (frame.type) {
      case "heartbeat":
        if (!(await acceptHeartbeat(this.reportsFrom(ws), frame.capacity.slots)))
          return this.closeRevoked();
        return;
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
    if (this.sockets.all().length === 0) {
      const c = this.moves();
      if (c) await lossAlarm(c);
      return;
    }
    if ((await this.checkToken()) === "revoked") return;
    const moves = this.moves();
    if (moves && this.isOnline()) await drainStep(moves);
    const now = this.clock.now();
    const lastSeen = this.ctx.storage.kv.get<number>("lastSeen") ?? 0;
    await this.sockets.closeSilent(now, lastSeen, this.log, (ws) => this.markOfflineIfAlone(ws));
    if (this.sockets.all().length > 0)
      await this.ctx.storage.setAlarm(now + TOKEN_CHECK_INTERVAL_MS);
  }

  // ---- RPC from EmployeeDOs and the scheduler ----

  // node-slots.ts: atomic within this object.
  reserve(employeeId: string, generation?: number): Promise<boolean> {
    return takeSlot(this.slots(), employeeId, generation);
  }

  async release(employeeId: string): Promise<void> {
    this.placed.remove(employeeId);
    this.outbox.forget(employeeId);
    await publishLoad(this.slots());
    // A move off a draining node finished: the next one starts.
    const moves = this.moves();
    if (moves && this.isOnline() && isDraining(this.ctx.storage.kv))
      this.ctx.waitUntil(drainStep(moves));
    // A slot freed: whoever waits for a server looks again now (the first in line takes it),
    // without holding up the release.
    if (this.isOnline()) this.ctx.waitUntil(wakeWaitingEmployees(this.env));
  }

  async dispatch(frame: CommandFrame): Promise<void> {
    if (!this.isPlaced(frame.employeeId))
      throw new Error(`employee ${frame.employeeId} is not placed on this node`);
    this.outbox.put(frame, this.clock.now());
    const ws = this.sockets.agent();
    // Queued either way: a command not sent now goes out with the next hello, which a revoked
    // token never gets to.
    if (ws && (await this.checkToken()) === "valid") this.send(ws, frame);
  }

  // A question for the agent (memory.read): node-questions.ts.
  async ask(frame: CommandFrame): Promise<ResultFrame> {
    if (!this.isPlaced(frame.employeeId))
      return unanswered(frame, "not_placed", "The employee is not on this server.");
    const ws = this.sockets.agent();
    if (!ws || (await this.checkToken()) !== "valid")
      return unanswered(frame, "node_offline", "The employee's server is offline right now.");
    return this.questions.ask(frame, () => this.send(ws, frame));
  }

  status(): NodeStatus {
    return {
      nodeId: this.nodeId(),
      connected: this.sockets.agent() !== undefined,
      capacitySlots: this.ctx.storage.kv.get<number>("capacitySlots") ?? 0,
      placements: this.placed.ids(),
      draining: isDraining(this.ctx.storage.kv),
      offlineSince: offlineSince(this.ctx.storage.kv),
      queuedCommands: this.outbox.count(),
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
    if (refuseOtherProtocol(ws, hello, this.log)) return;
    const c = this.reportsFrom(ws);
    if (!(await acceptHello(c, ws, hello, this.placed.ids().length, this.outbox)))
      return this.closeRevoked();
    await this.ctx.storage.setAlarm(c.now + TOKEN_CHECK_INTERVAL_MS);

    await reconcileInventory(this.reports(), hello.inventory, (frame) => this.send(ws, frame));
    await wakeWaitingEmployees(this.env);
  }

  private reportsFrom(ws: WebSocket): AgentReportContext {
    return {
      env: this.env,
      log: this.log,
      kv: this.ctx.storage.kv,
      nodeId: this.requireNodeId(),
      now: this.clock.now(),
      send: (frame) => this.send(ws, frame),
    };
  }

  private async onResult(frame: ResultFrame): Promise<void> {
    if (this.questions.answer(frame)) return;
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
    await employeeStub(this.env, event.employeeId).onEvent(this.requireNodeId(), event);
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
      sockets: () => this.sockets.all(),
    };
  }

  // ---- helpers ----

  private slots(): SlotContext {
    return {
      env: this.env,
      kv: this.ctx.storage.kv,
      placements: this.placed,
      nodeId: this.nodeId(),
      online: this.isOnline(),
      now: this.clock.now(),
    };
  }

  private async markOfflineIfAlone(closing: WebSocket): Promise<void> {
    const nodeId = this.nodeId();
    if (!this.sockets.othersOpen(closing) && nodeId) {
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

  private isOnline(): boolean {
    return this.sockets.agent() !== undefined;
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
}
