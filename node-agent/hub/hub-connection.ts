import WebSocket from "ws";
import { backoffDelay } from "../../edge/protocol/backoff.ts";
import {
  type AgentEvent,
  type AgentFrame,
  type Capacity,
  type EdgeFrame,
  MAX_FRAME_BYTES,
  PROTOCOL_VERSION,
  parseEdgeFrame,
} from "../../edge/protocol/frames.ts";
import type { Logger } from "../logger.ts";
import type { EmployeeRuntime, RuntimeEvent } from "../runtime/employee-runtime.ts";
import type { CommandExecutor } from "./command-executor.ts";
import type { SelfFence } from "./self-fence.ts";

export const RECONNECT_BASE_MS = 500;
export const RECONNECT_MAX_MS = 30_000;
export const CONNECT_TIMEOUT_MS = 10_000;
export const AGENT_VERSION = "0.1.0";
// Whatever interval a welcome asks for, heartbeats go out within these bounds: the edge calls a
// node offline after 30 s of silence, and a tiny interval would be a flood.
export const HEARTBEAT_MIN_MS = 1_000;
export const HEARTBEAT_MAX_MS = 20_000;
// How a chat answer ended, kept while the edge is away and sent after the next welcome (the
// streaming frames before it are not: the end carries the whole text). The oldest go first.
export const PENDING_ENDS_MAX = 200;

export interface HubOptions {
  edgeUrl: string;
  nodeToken: string;
  capacity: () => Capacity;
  runtime: EmployeeRuntime;
  executor: CommandExecutor;
  orphanGraceMs: number;
  /** Self-fencing and the refusal of stale copies (self-fence.ts); none in some tests. */
  fence?: SelfFence;
  log: Logger;
}

// The agent's only link to the edge: it dials out (nothing on the node listens on the internet),
// says hello with what Docker holds, and then takes commands. Lost connections are re-dialled with
// exponential backoff and jitter, so a fleet does not stampede the edge after an outage.
export class HubConnection {
  private ws: WebSocket | undefined;
  private attempt = 0;
  private stopping = false;
  private heartbeat: NodeJS.Timeout | undefined;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private readonly opts: HubOptions;
  private unwatch: (() => void) | undefined;
  private welcomed = false;
  private readonly pendingEnds: AgentEvent[] = [];

  constructor(opts: HubOptions) {
    this.opts = opts;
  }

  start(): void {
    this.opts.fence?.start();
    this.unwatch = this.opts.runtime.watch((e) => this.forward(e));
    this.dial();
  }

  get connected(): boolean {
    return this.welcomed && this.ws?.readyState === WebSocket.OPEN;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.heartbeat);
    this.opts.fence?.stop();
    this.unwatch?.();
    const ws = this.ws;
    if (ws && ws.readyState === WebSocket.OPEN) {
      await new Promise<void>((resolve) => {
        ws.once("close", () => resolve());
        ws.close(1001, "agent shutting down");
        setTimeout(resolve, 2000).unref();
      });
    }
  }

  private dial(): void {
    if (this.stopping) return;
    const url = new URL("/agent/connect", this.opts.edgeUrl);
    url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
    const ws = new WebSocket(url, {
      headers: { authorization: `Bearer ${this.opts.nodeToken}` },
      handshakeTimeout: CONNECT_TIMEOUT_MS,
      // A larger frame closes the connection (1009) before it is buffered; the agent redials.
      maxPayload: MAX_FRAME_BYTES,
    });
    this.ws = ws;
    this.welcomed = false;
    ws.on("unexpected-response", (_req, res) => {
      // 401 is final until someone fixes the token, but retrying slowly costs nothing and heals a
      // token that is re-issued; every attempt is logged loudly.
      this.opts.log.error(
        { status: res.statusCode },
        res.statusCode === 401
          ? "the edge refused the node token"
          : "the edge refused the connection",
      );
      ws.terminate();
    });
    ws.on("open", () => void this.hello(ws));
    ws.on("message", (data, isBinary) => {
      if (isBinary) {
        this.opts.log.warn("ignoring a binary frame from the edge");
        return;
      }
      // Whatever a frame makes a handler throw is logged and answered nowhere: never a crash.
      this.onMessage(ws, data.toString()).catch((err: unknown) =>
        this.opts.log.error({ err }, "handling a frame from the edge failed"),
      );
    });
    ws.on("close", (code, reason) => {
      clearInterval(this.heartbeat);
      if (this.ws !== ws) return;
      this.welcomed = false;
      this.opts.log.warn({ code, reason: reason.toString() }, "disconnected from the edge");
      this.scheduleReconnect();
    });
    ws.on("error", (err) => {
      this.opts.log.warn({ err }, "connection to the edge failed");
    });
  }

  /** An event of the agent's own (a chat answer's progress) for the edge. */
  event(frame: AgentEvent): void {
    const ws = this.ws;
    if (ws && this.connected) {
      this.send(ws, frame);
      return;
    }
    if (!keptWhileAway(frame)) return;
    this.pendingEnds.push(frame);
    if (this.pendingEnds.length > PENDING_ENDS_MAX) this.pendingEnds.shift();
  }

  private scheduleReconnect(): void {
    if (this.stopping) return;
    this.attempt++;
    const delay = backoffDelay(this.attempt, {
      baseMs: RECONNECT_BASE_MS,
      maxMs: RECONNECT_MAX_MS,
    });
    this.opts.log.info({ attempt: this.attempt, delayMs: delay }, "reconnecting");
    this.reconnectTimer = setTimeout(() => this.dial(), delay);
  }

  private async hello(ws: WebSocket): Promise<void> {
    let inventory: Awaited<ReturnType<EmployeeRuntime["inventory"]>> = [];
    try {
      inventory = await this.opts.runtime.inventory();
    } catch (err) {
      this.opts.log.error({ err }, "could not read the inventory; reporting none");
    }
    const runtime = await this.opts.runtime.isolationRuntime().catch(() => undefined);
    this.send(ws, {
      type: "hello",
      protocol: PROTOCOL_VERSION,
      agentVersion: AGENT_VERSION,
      capacity: this.opts.capacity(),
      inventory,
      ...(runtime ? { runtime } : {}),
    });
  }

  private async onMessage(ws: WebSocket, raw: string): Promise<void> {
    const parsed = parseEdgeFrame(raw);
    if (!parsed.ok) {
      this.opts.log.warn({ err: parsed.error }, "ignoring a frame the agent does not understand");
      return;
    }
    const frame: EdgeFrame = parsed.frame;
    switch (frame.type) {
      case "welcome":
        this.attempt = 0;
        this.welcomed = true;
        this.opts.log.info({ nodeId: frame.nodeId }, "connected to the edge");
        clearInterval(this.heartbeat);
        this.heartbeat = setInterval(
          () => {
            this.send(ws, {
              type: "heartbeat",
              capacity: this.opts.capacity(),
              running: this.opts.executor.busy,
            });
          },
          Math.min(HEARTBEAT_MAX_MS, Math.max(HEARTBEAT_MIN_MS, frame.heartbeatIntervalMs)),
        );
        for (const pending of this.pendingEnds.splice(0)) this.send(ws, pending);
        return;
      case "rejected":
        this.opts.log.warn({ reason: frame.reason }, "the edge rejected a frame");
        return;
      case "heartbeat.ack":
        this.opts.fence?.ack(frame.leaseMs);
        return;
      case "inventory.reconcile": {
        const keep = new Set(frame.keep);
        // Stale copies first: stopped at once, their disks kept past the orphan sweep.
        const held = await (
          this.opts.runtime.fenceStale?.(frame.placements ?? [], keep) ??
          Promise.resolve(new Set<string>())
        ).catch((err: unknown) => {
          this.opts.log.error({ err }, "stopping stale copies failed");
          return new Set<string>();
        });
        const removed = await this.opts.runtime
          .sweepOrphans(new Set([...keep, ...held]), this.opts.orphanGraceMs)
          .catch((err) => {
            this.opts.log.error({ err }, "orphan sweep failed");
            return [];
          });
        for (const employeeId of removed) this.opts.executor.forgetKey(employeeId);
        if (removed.length) this.opts.log.info({ removed }, "removed orphaned containers");
        this.opts.fence?.reconciled();
        return;
      }
      default: {
        const result = this.opts.fence?.refusal(frame) ?? (await this.opts.executor.run(frame));
        // Sent on whatever socket is current: if the one that brought the command died, the edge
        // redelivers it on the new one anyway, and the duplicate result is ignored there.
        if (this.ws) this.send(this.ws, result);
      }
    }
  }

  private forward(e: RuntimeEvent): void {
    const ws = this.ws;
    if (!ws || !this.connected) return; // the edge reconciles from the inventory on reconnect
    const base = { employeeId: e.employeeId, containerId: e.containerId };
    const frame: AgentFrame =
      e.type === "stopped"
        ? { type: "container.stopped", ...base, exitCode: e.exitCode }
        : e.type === "health"
          ? { type: "container.health_changed", ...base, health: e.health }
          : { type: `container.${e.type}`, ...base };
    this.send(ws, frame);
  }

  private send(ws: WebSocket, frame: AgentFrame): void {
    if (ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(frame));
  }
}

// What waits for the edge while it is away (the newest PENDING_ENDS_MAX): a chat answer's end,
// and approvals and scheduled runs (issue 18), which happen once and would otherwise be lost.
// A chat's streaming frames are not: the end repeats the whole text.
function keptWhileAway(frame: AgentEvent): boolean {
  if (frame.type === "chat.progress") return frame.state !== "streaming";
  return (
    frame.type === "approval.requested" ||
    frame.type === "approval.resolved" ||
    frame.type === "work.run"
  );
}
