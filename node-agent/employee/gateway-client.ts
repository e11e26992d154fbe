import type { Logger } from "../logger.ts";
import type { GatewayDevices } from "./gateway-devices.ts";
import { GatewayError } from "./gateway-error.ts";
import {
  AgentEvent,
  ChatAbortResult,
  ChatEvent,
  ChatHistoryResult,
  ChatSendAck,
  MAX_GATEWAY_FRAME_BYTES,
  SessionsCreateResult,
  SessionsListResult,
} from "./gateway-frames.ts";
import type { GatewayProfile } from "./gateway-handshake.ts";
import { type HistoryPage, projectHistory, runFromHistory } from "./gateway-history.ts";
import { RunHandle } from "./gateway-run.ts";
import {
  GATEWAY_CONNECT_TIMEOUT_MS,
  GATEWAY_REQUEST_TIMEOUT_MS,
  type GatewayEndpoint,
  type GatewayInfo,
  GatewaySocket,
} from "./gateway-socket.ts";

export { GatewayError } from "./gateway-error.ts";
export type { HistoryMessage, HistoryPage } from "./gateway-history.ts";
export type { RunEnd, RunEvent, RunHandle } from "./gateway-run.ts";
export type { GatewayEndpoint, GatewayInfo } from "./gateway-socket.ts";

// The agent as a chat client of one employee's OpenClaw gateway (wire protocol v4): the verbs a
// chat needs over the socket (gateway-socket.ts), each under operator.read/write only, and the
// routing of the answer's events to the run that asked. One client per employee; a conversation
// is one OpenClaw session (its key); a message sent is one run, whose id is the idempotency key.
// The device identity it proves lives in STATE_DIR/gateway-devices (gateway-devices.ts).

// chat.send answers once the message is taken; base64 attachments of up to ~18 MB travel with it.
export const CHAT_SEND_TIMEOUT_MS = 60_000;
// How much of the newest history a run lost during a reconnect is looked up in.
export const RECOVERY_HISTORY_LIMIT = 5;
// Attachments and text may fill OpenClaw's frame (hello policy) up to this margin.
const FRAME_MARGIN_BYTES = 64 * 1024;

export interface GatewayClientOptions {
  employeeId: string;
  /** Who the employee works for: OpenClaw's trusted-proxy allowUsers holds exactly this id. */
  accountId: string;
  /** Where the employee's gateway is now (null: not running); asked again on every dial. */
  endpoint: () => Promise<GatewayEndpoint | null>;
  devices: GatewayDevices;
  log: Logger;
  /** Client, scopes, caps and device key kind (the chat's when absent; gateway-handshake.ts). */
  profile?: GatewayProfile;
  /** Events that are not a run's (approvals, automations) for whoever listens. Guarded. */
  onEvent?: (name: string, payload: unknown) => void;
  /** Every hello-ok, the first one included (a listener backfills what it missed). Guarded. */
  onOpen?: () => void;
}

/** A file sent with a message: its bytes as base64 (a data-URL prefix is allowed). */
export interface ChatAttachment {
  content: string;
  fileName?: string;
  mimeType?: string;
}

// OpenClaw's keys (agent:main:dashboard:<uuid>) and ours: printable ASCII, no spaces.
const SESSION_KEY = /^[!-~]{1,512}$/;
const IDEMPOTENCY_KEY = /^[A-Za-z0-9_.:-]{1,128}$/;

export class GatewayClient {
  private readonly socket: GatewaySocket;
  private readonly runs = new Map<string, RunHandle>();

  constructor(opts: GatewayClientOptions) {
    this.socket = new GatewaySocket(opts, {
      event: (name, payload) => {
        this.onEvent(name, payload);
        opts.onEvent?.(name, payload);
      },
      reconnected: () => {
        for (const run of this.runs.values()) void this.recover(run);
      },
      ...(opts.onOpen ? { opened: opts.onOpen } : {}),
    });
  }

  /** What hello-ok said, while connected. */
  get info(): GatewayInfo | undefined {
    return this.socket.info;
  }

  /** Dials (once; it redials on its own after that) and waits for the gateway's hello. */
  connect(timeoutMs = GATEWAY_CONNECT_TIMEOUT_MS): Promise<GatewayInfo> {
    return this.socket.connect(timeoutMs);
  }

  /** Any method by name, for what has no verb here; OpenClaw checks its scope. */
  request(
    method: string,
    params: Record<string, unknown>,
    timeoutMs = GATEWAY_REQUEST_TIMEOUT_MS,
  ): Promise<unknown> {
    return this.socket.request(method, params, timeoutMs);
  }

  /**
   * Sends a message in a conversation (a session key; a new key makes a new session) and returns
   * the run once OpenClaw took it. Sending again with the same idempotency key (after a
   * DISCONNECTED or TIMEOUT) never makes a second run.
   */
  async send(
    sessionKey: string,
    text: string,
    opts: { idempotencyKey: string; attachments?: ChatAttachment[] },
  ): Promise<RunHandle> {
    if (!SESSION_KEY.test(sessionKey)) throw new GatewayError("INVALID_REQUEST", "bad session key");
    if (!IDEMPOTENCY_KEY.test(opts.idempotencyKey))
      throw new GatewayError("INVALID_REQUEST", "bad idempotency key");
    const attachments = opts.attachments ?? [];
    const bytes = attachments.reduce((n, a) => n + a.content.length, text.length);
    const limit = (this.info?.maxPayload ?? MAX_GATEWAY_FRAME_BYTES) - FRAME_MARGIN_BYTES;
    if (bytes > limit)
      throw new GatewayError("INVALID_REQUEST", `the message is over ${limit} bytes`);
    const known = this.runs.get(opts.idempotencyKey);
    if (known) return known;
    // Registered before the request: the first events may come before its answer.
    const run = new RunHandle(opts.idempotencyKey, sessionKey);
    this.runs.set(run.runId, run);
    try {
      const ack = ChatSendAck.safeParse(
        await this.request(
          "chat.send",
          {
            sessionKey,
            message: text,
            idempotencyKey: opts.idempotencyKey,
            ...(attachments.length ? { attachments } : {}),
          },
          CHAT_SEND_TIMEOUT_MS,
        ),
      );
      if (!ack.success)
        throw new GatewayError("BAD_RESPONSE", "chat.send: an answer without a run");
      // "ok": this key's run is over already (a resend); its answer is in the history.
      if (ack.data.status === "ok") void this.recover(run);
      return run;
    } catch (err) {
      this.runs.delete(run.runId);
      throw err;
    }
  }

  /** A page of the conversation; offset 0 is the newest, older pages follow nextOffset. */
  async history(
    sessionKey: string,
    page: { limit: number; offset?: number },
  ): Promise<HistoryPage> {
    return projectHistory(await this.historyRaw(sessionKey, page));
  }

  /** Stops the conversation's run (or all of its runs); the run ends with `aborted`. */
  async abort(sessionKey: string, runId?: string): Promise<{ aborted: boolean; runIds: string[] }> {
    const result = ChatAbortResult.safeParse(
      await this.request("chat.abort", { sessionKey, ...(runId ? { runId } : {}) }),
    );
    if (!result.success) throw new GatewayError("BAD_RESPONSE", "chat.abort: an unexpected answer");
    return { aborted: result.data.aborted, runIds: result.data.runIds };
  }

  /** A new conversation (what OpenClaw's "New chat" makes): its session key. */
  async createSession(opts: { label?: string } = {}): Promise<{ key: string }> {
    const result = SessionsCreateResult.safeParse(
      await this.request("sessions.create", opts.label ? { label: opts.label } : {}),
    );
    if (!result.success) throw new GatewayError("BAD_RESPONSE", "sessions.create: no key");
    return { key: result.data.key };
  }

  /** The employee's conversations, most recent first. */
  async listSessions(page: { limit: number; offset?: number }) {
    const result = SessionsListResult.safeParse(
      await this.request("sessions.list", { limit: page.limit, offset: page.offset ?? 0 }),
    );
    if (!result.success) throw new GatewayError("BAD_RESPONSE", "sessions.list: no sessions");
    return result.data.sessions.map((s) => ({
      key: s.key,
      title: (s.label ?? s.displayName ?? s.derivedTitle ?? "").slice(0, 500),
      ...(s.updatedAt !== undefined ? { updatedAt: s.updatedAt } : {}),
      hasActiveRun: s.hasActiveRun === true,
    }));
  }

  /** Closes the socket for good: waiting calls fail with CLOSED, open runs end with an error. */
  async close(): Promise<void> {
    for (const run of this.runs.values())
      run.push(
        run.fold.end({
          type: "error",
          message: "the gateway client was closed",
          kind: "closed",
          text: run.fold.text,
          truncated: run.fold.truncated,
        }),
      );
    this.runs.clear();
    await this.socket.close();
  }

  private async historyRaw(sessionKey: string, page: { limit: number; offset?: number }) {
    const payload = await this.request("chat.history", {
      sessionKey,
      limit: Math.min(1_000, Math.max(1, Math.floor(page.limit))),
      ...(page.offset ? { offset: Math.max(0, Math.floor(page.offset)) } : {}),
    });
    const parsed = ChatHistoryResult.safeParse(payload);
    if (!parsed.success) throw new GatewayError("BAD_RESPONSE", "chat.history: no messages");
    return parsed.data;
  }

  // Events for runs this client did not start (another tab, a cron job) are not its business.
  private onEvent(name: string, payload: unknown): void {
    if (name !== "chat" && name !== "agent") return;
    const runId = (payload as { runId?: unknown } | null)?.runId;
    const run = typeof runId === "string" ? this.runs.get(runId) : undefined;
    if (!run) return;
    if (name === "chat") {
      const e = ChatEvent.safeParse(payload);
      if (e.success && e.data.sessionKey === run.sessionKey) run.push(run.fold.chat(e.data));
    } else {
      const e = AgentEvent.safeParse(payload);
      if (e.success) run.push(run.fold.agent(e.data));
    }
    if (run.ended) this.runs.delete(run.runId);
  }

  // After a reconnect (or a resend of a finished run), what the history says about the run.
  private async recover(run: RunHandle): Promise<void> {
    try {
      const page = await this.historyRaw(run.sessionKey, { limit: RECOVERY_HISTORY_LIMIT });
      if (run.ended) return;
      const e = runFromHistory(run.runId, page);
      if (e?.type === "delta")
        run.push(
          run.fold.chat({
            runId: run.runId,
            sessionKey: run.sessionKey,
            seq: 0,
            state: "delta",
            deltaText: e.text,
            replace: true,
          }),
        );
      else if (e && e.type !== "status" && e.type !== "tool") run.push(run.fold.end(e));
      if (run.ended) this.runs.delete(run.runId);
    } catch (err) {
      this.socket.log.warn({ err, runId: run.runId }, "could not look up a run in the history");
    }
  }
}
