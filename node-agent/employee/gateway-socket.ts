import WebSocket from "ws";
import { backoffDelay } from "../../edge/protocol/backoff.ts";
import { ThrottledLog } from "../http/throttled-log.ts";
import type { Logger } from "../logger.ts";
import type { GatewayDevices } from "./gateway-devices.ts";
import { dialGateway, GATEWAY_CONNECT_TIMEOUT_MS, type GatewayEndpoint } from "./gateway-dial.ts";
import { GatewayError } from "./gateway-error.ts";
import type { GatewayFrame, HelloOk } from "./gateway-frames.ts";
import { CHAT_PROFILE, deviceIdOf, type GatewayProfile } from "./gateway-handshake.ts";

export { GATEWAY_CONNECT_TIMEOUT_MS, type GatewayEndpoint } from "./gateway-dial.ts";

// The lasting connection under the chat client: dial (gateway-dial.ts), correlate requests with
// responses under named timeouts, hand events up, and redial with the shared backoff whenever
// the socket goes (a silent socket counts as gone). Everything read from it is hostile: parsed,
// capped, and a bad frame costs a log line (throttled), never the agent.

export const GATEWAY_REQUEST_TIMEOUT_MS = 30_000;
export const GATEWAY_RECONNECT_BASE_MS = 500;
export const GATEWAY_RECONNECT_MAX_MS = 30_000;
// OpenClaw ticks every 30 s (hello policy); a socket silent for this many ticks is redialled.
export const TICKS_BEFORE_DEAD = 3;
const MIN_SILENCE_MS = 5_000;
const MAX_SILENCE_MS = 180_000;
const CLOSE_WAIT_MS = 2_000;

// OpenClaw's detail code (AUTH_UNAUTHORIZED, …) is the more telling one for a log filter.
const logErr = (e: GatewayError) => ({ message: e.message, code: e.detail ?? e.code });

export interface GatewaySocketOptions {
  employeeId: string;
  /** Who the employee works for: OpenClaw's trusted-proxy allowUsers holds exactly this id. */
  accountId: string;
  /** Where the employee's gateway is now (null: not running); asked again on every dial. */
  endpoint: () => Promise<GatewayEndpoint | null>;
  devices: GatewayDevices;
  log: Logger;
  /** Client, scopes, caps and device key kind (the chat's when absent). */
  profile?: GatewayProfile;
}

export interface GatewayInfo {
  serverVersion: string;
  /** The scopes OpenClaw enforces on this socket. */
  scopes: string[];
  mainSessionKey: string | undefined;
  modelConfigured: boolean | undefined;
  maxPayload: number;
  /** Milliseconds from dialling to hello-ok. */
  connectMs: number;
}

type Pending = {
  method: string;
  resolve: (payload: unknown) => void;
  reject: (err: GatewayError) => void;
  timer: NodeJS.Timeout;
};
type Waiter = { resolve: () => void; reject: (err: GatewayError) => void };
type Handlers = {
  /** An event after the handshake (tick and challenge excluded). Must not throw; is guarded. */
  event(name: string, payload: unknown): void;
  /** Connected again after the socket was lost. */
  reconnected(): void;
  /** Every hello-ok, the first one included. Must not throw; is guarded. */
  opened?(): void;
};

export class GatewaySocket {
  private readonly opts: GatewaySocketOptions;
  private readonly handlers: Handlers;
  readonly log: Logger;
  private readonly noisy: ThrottledLog;
  private ws: WebSocket | undefined;
  private hello: GatewayInfo | undefined;
  private state: "idle" | "connecting" | "open" | "closed" = "idle";
  private everOpen = false;
  private attempt = 0;
  private nextId = 1;
  private lastError: GatewayError | undefined;
  private readonly pending = new Map<string, Pending>();
  private readonly waiters = new Set<Waiter>();
  private reconnectTimer: NodeJS.Timeout | undefined;
  private silenceTimer: NodeJS.Timeout | undefined;
  private silenceMs = MAX_SILENCE_MS;

  constructor(opts: GatewaySocketOptions, handlers: Handlers) {
    this.opts = opts;
    this.handlers = handlers;
    this.log = opts.log.child({ employeeId: opts.employeeId, accountId: opts.accountId });
    this.noisy = new ThrottledLog(this.log);
  }

  /** What hello-ok said, while connected. */
  get info(): GatewayInfo | undefined {
    return this.state === "open" ? this.hello : undefined;
  }

  private get profile(): GatewayProfile {
    return this.opts.profile ?? CHAT_PROFILE;
  }

  /** Dials (once; it redials on its own after that) and waits for the gateway's hello. */
  async connect(timeoutMs = GATEWAY_CONNECT_TIMEOUT_MS): Promise<GatewayInfo> {
    if (this.state === "idle") void this.dial();
    await this.ready(timeoutMs);
    return this.hello as GatewayInfo;
  }

  async request(method: string, params: unknown, timeoutMs: number): Promise<unknown> {
    const started = Date.now();
    await this.connect(timeoutMs);
    const ws = this.ws;
    if (!ws || this.state !== "open")
      throw new GatewayError("DISCONNECTED", `${method}: not connected`, { retryable: true });
    const id = String(this.nextId++);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => {
          this.pending.delete(id);
          reject(new GatewayError("TIMEOUT", `${method}: no answer within ${timeoutMs} ms`));
        },
        Math.max(1, timeoutMs - (Date.now() - started)),
      );
      this.pending.set(id, { method, resolve, reject, timer });
      ws.send(JSON.stringify({ type: "req", id, method, params }));
    });
  }

  async close(): Promise<void> {
    if (this.state === "closed") return;
    this.state = "closed";
    clearTimeout(this.reconnectTimer);
    clearTimeout(this.silenceTimer);
    const closed = new GatewayError("CLOSED", "the gateway client was closed");
    this.failPending(closed);
    for (const w of this.waiters) w.reject(closed);
    this.waiters.clear();
    const ws = this.ws;
    this.ws = undefined;
    if (!ws || ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      ws.once("close", () => resolve());
      ws.close(1000, "closing");
      setTimeout(() => {
        ws.terminate();
        resolve();
      }, CLOSE_WAIT_MS).unref();
    });
  }

  private isClosed(): boolean {
    return this.state === "closed";
  }

  private ready(timeoutMs: number): Promise<void> {
    if (this.state === "open") return Promise.resolve();
    if (this.state === "closed")
      return Promise.reject(new GatewayError("CLOSED", "the gateway client was closed"));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        const last = this.lastError;
        reject(
          new GatewayError(
            last?.code === "NOT_RUNNING" ? "NOT_RUNNING" : "TIMEOUT",
            `no connection within ${timeoutMs} ms${last ? `: ${last.message}` : ""}`,
            { detail: last?.detail, retryable: true },
          ),
        );
      }, timeoutMs);
      const waiter: Waiter = {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      };
      this.waiters.add(waiter);
    });
  }

  private async dial(): Promise<void> {
    if (this.state === "closed") return;
    this.state = "connecting";
    let endpoint: GatewayEndpoint | null = null;
    try {
      endpoint = await this.opts.endpoint();
    } catch (err) {
      this.log.warn({ err }, "could not find the employee's gateway");
    }
    if (this.isClosed()) return; // closed while it looked
    if (!endpoint)
      return this.failed(
        new GatewayError("NOT_RUNNING", "the employee is not running", { retryable: true }),
      );
    const identity = () => {
      const { identity, created } = this.opts.devices.identity(
        this.opts.employeeId,
        this.profile.kind,
      );
      if (created)
        this.log.info({ deviceId: deviceIdOf(identity.publicKey) }, "made a gateway device key");
      return identity;
    };
    const ws: WebSocket = dialGateway(
      {
        endpoint,
        accountId: this.opts.accountId,
        profile: this.profile,
        identity,
        log: this.log,
        noisy: this.noisy,
      },
      {
        heard: () => {
          if (this.ws === ws) this.heard();
        },
        open: (hello, ms) => {
          if (this.ws === ws) this.opened(hello, ms);
        },
        frame: (frame) => {
          if (this.ws === ws) this.onFrame(frame);
        },
        closed: (code, reason, failure) => {
          if (this.ws === ws) this.lost(code, reason, failure);
        },
      },
    );
    this.ws = ws;
  }

  private opened(h: HelloOk, connectMs: number): void {
    this.hello = {
      serverVersion: h.server.version,
      scopes: h.auth.scopes,
      mainSessionKey: h.snapshot?.sessionDefaults?.mainSessionKey,
      modelConfigured: h.snapshot?.sessionDefaults?.modelConfigured,
      maxPayload: h.policy.maxPayload,
      connectMs,
    };
    this.silenceMs = Math.min(
      MAX_SILENCE_MS,
      Math.max(MIN_SILENCE_MS, h.policy.tickIntervalMs * TICKS_BEFORE_DEAD),
    );
    this.state = "open";
    this.attempt = 0;
    this.lastError = undefined;
    // Only the control socket may hold admin (an identity grant for cron.*); a chat never.
    if (this.profile.kind === "chat" && h.auth.scopes.includes("operator.admin"))
      this.log.error(
        { scopes: h.auth.scopes },
        "the employee's gateway granted the chat client admin",
      );
    this.log.info(
      { ms: connectMs, scopes: h.auth.scopes, version: h.server.version },
      "connected to the employee's gateway",
    );
    for (const w of this.waiters) w.resolve();
    this.waiters.clear();
    if (this.everOpen) this.guard("reconnected", () => this.handlers.reconnected());
    this.everOpen = true;
    this.guard("opened", () => this.handlers.opened?.());
  }

  // The socket went: before its hello (`failure` says why) or after.
  private lost(code: number, reason: string, failure: GatewayError | undefined): void {
    if (this.state === "closed") return;
    this.ws = undefined;
    clearTimeout(this.silenceTimer);
    this.failPending(
      new GatewayError("DISCONNECTED", "the gateway socket closed", { retryable: true }),
    );
    if (this.state === "open")
      this.log.warn({ code, reason }, "disconnected from the employee's gateway");
    this.state = "connecting";
    if (failure && !failure.retryable) {
      this.log.warn({ err: logErr(failure) }, "the employee's gateway refused the connection");
      // A refusal no retry helps (auth, protocol, pairing) fails whoever waits now; the redials
      // go on, slowly, and heal one someone fixes.
      for (const w of this.waiters) w.reject(failure);
      this.waiters.clear();
    }
    this.failed(
      failure ?? new GatewayError("DISCONNECTED", `closed (${code})`, { retryable: true }),
    );
  }

  private onFrame(frame: GatewayFrame): void {
    if (frame.type === "res") {
      const p = this.pending.get(frame.id);
      if (!p) return;
      this.pending.delete(frame.id);
      clearTimeout(p.timer);
      if (frame.ok) p.resolve(frame.payload);
      else
        p.reject(
          frame.error
            ? GatewayError.from(frame.error)
            : new GatewayError("BAD_RESPONSE", `${p.method}: failed without an error`),
        );
      return;
    }
    if (frame.event === "tick" || frame.event === "connect.challenge") return;
    if (frame.event === "shutdown") this.log.info("the employee's gateway is shutting down");
    this.guard(frame.event, () => this.handlers.event(frame.event, frame.payload));
  }

  private guard(what: string, fn: () => void): void {
    try {
      fn();
    } catch (err) {
      this.log.error({ err, event: what.slice(0, 100) }, "handling a gateway event failed");
    }
  }

  // Any frame proves the socket alive; silence past a few ticks means it is not.
  private heard(): void {
    clearTimeout(this.silenceTimer);
    const ws = this.ws;
    this.silenceTimer = setTimeout(() => {
      if (this.ws !== ws || !ws) return;
      this.log.warn({ ms: this.silenceMs }, "the employee's gateway went silent; redialling");
      ws.terminate();
    }, this.silenceMs);
    this.silenceTimer.unref();
  }

  private failed(err: GatewayError): void {
    if (this.state === "closed") return;
    this.lastError = err;
    this.attempt++;
    const delay = Math.max(
      backoffDelay(this.attempt, {
        baseMs: GATEWAY_RECONNECT_BASE_MS,
        maxMs: GATEWAY_RECONNECT_MAX_MS,
      }),
      Math.min(err.retryAfterMs ?? 0, GATEWAY_RECONNECT_MAX_MS),
    );
    this.log.info(
      { attempt: this.attempt, delayMs: delay, err: logErr(err) },
      "redialling the employee's gateway",
    );
    this.reconnectTimer = setTimeout(() => void this.dial(), delay);
  }

  private failPending(err: GatewayError): void {
    for (const p of this.pending.values()) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    this.pending.clear();
  }
}
