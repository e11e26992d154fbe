import { createSignal, onCleanup, onMount } from "solid-js";
import type { Employee } from "../../../edge/contract/employee.ts";
import {
  LIVE_PING,
  LIVE_REAUTH_CLOSE,
  type LiveFrame,
  parseLiveFrame,
} from "../../../edge/contract/live.ts";
import { backoffDelay } from "../../../edge/protocol/backoff.ts";

export const LIVE_RETRY_BASE_MS = 500;
export const LIVE_RETRY_MAX_MS = 15_000;
export const LIVE_PING_MS = 25_000;

// One live WebSocket of the edge's (an employee's, GET /api/employees/:id/live, or the account's,
// GET /api/live), opened once the component is on screen and closed with it. It reconnects with
// the shared backoff (edge/protocol/backoff.ts: jittered, so a deploy does not bring every browser
// back at once), pings so proxies keep it open, and opens a new one at once when the edge closes it
// as past its time (4001: the new one is admitted again). `lost` is true from the moment an open
// socket (or an attempt to open one) fails until one opens again; `reconnects` counts the times it
// came back (frames may have been missed: refetch); `retry` tries at once instead of after the
// backoff; `halt` stops reconnecting (the employee was fired).
export function createLiveSocket(path: string, onMessage: (data: unknown) => void) {
  const [connected, setConnected] = createSignal(false);
  const [lost, setLost] = createSignal(false);
  const [reconnects, setReconnects] = createSignal(0);
  let retryNow = () => {};
  let stopped = false;
  onMount(() => {
    let ws: WebSocket | undefined;
    let attempt = 0;
    let opened = false;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let ping: ReturnType<typeof setInterval> | undefined;
    const open = () => {
      clearTimeout(retry);
      const url = new URL(path, location.href);
      url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
      const socket = new WebSocket(url);
      ws = socket;
      socket.onopen = () => {
        attempt = 0;
        setConnected(true);
        setLost(false);
        if (opened) setReconnects((n) => n + 1);
        opened = true;
        ping = setInterval(() => socket.send(LIVE_PING), LIVE_PING_MS);
      };
      socket.onmessage = (e) => onMessage(e.data);
      socket.onclose = (e) => {
        // A socket replaced by retry() closes late: only the current one schedules anything.
        if (ws !== socket) return;
        setConnected(false);
        clearInterval(ping);
        if (stopped) return;
        // Past its time (the edge admits a socket for a while): a new one at once, not "lost".
        if (e?.code === LIVE_REAUTH_CLOSE) return open();
        setLost(true);
        attempt++;
        retry = setTimeout(
          open,
          backoffDelay(attempt, { baseMs: LIVE_RETRY_BASE_MS, maxMs: LIVE_RETRY_MAX_MS }),
        );
      };
    };
    retryNow = () => {
      if (stopped || connected()) return;
      clearTimeout(retry);
      attempt = 0;
      // The attempt still under way is abandoned quietly: its close must not schedule another.
      if (ws) {
        ws.onopen = ws.onmessage = ws.onclose = null;
        ws.close();
      }
      open();
    };
    open();
    onCleanup(() => {
      stopped = true;
      clearTimeout(retry);
      clearInterval(ping);
      ws?.close();
    });
  });
  return {
    connected,
    lost,
    reconnects,
    retry: () => retryNow(),
    halt: () => {
      stopped = true;
    },
  };
}

/** The live socket's chat frames: the chat store merges them. */
export type ChatFrame = Extract<LiveFrame, { type: `chat.${string}` }>;

/**
 * The chat's view of the workspace's one live socket (a second socket per tab would double the
 * edge's fan-out for nothing).
 */
export interface ChatFeed {
  /** Calls `fn` with every chat frame until the returned function is called. */
  listen(fn: (frame: ChatFrame) => void): () => void;
  /** How often the socket came back after a drop: frames may have been missed, so refetch. */
  reconnects: () => number;
  /** The socket dropped and is not back yet. */
  lost: () => boolean;
  /** Reconnect now instead of waiting out the backoff. */
  retry: () => void;
}

/** The live socket's backup frames: the Backups tab's list applies them (backup-store.ts). */
export type BackupFrame = Extract<LiveFrame, { type: "backup" }>;

/** The Backups tab's view of the same socket. */
export interface BackupFeed {
  listen(fn: (frame: BackupFrame) => void): () => void;
  reconnects: () => number;
}

/** The live socket's channel frames: a channel's new state, a pairing request opened or decided
 * (issue 17); the Channels tab and its pairing list apply them (channels.ts). */
export type ChannelFrame = Extract<LiveFrame, { type: "channel" | "channel.pairing" }>;

/** The Channels tab's view of the same socket. */
export interface ChannelFeed {
  listen(fn: (frame: ChannelFrame) => void): () => void;
  reconnects: () => number;
}

const isChatFrame = (frame: LiveFrame): frame is ChatFrame => frame.type.startsWith("chat.");

// What only D1 keeps of an employee (issue 18: its autonomy and the suggestion to widen it, its
// working hours, minutes saved per kind): its object's status frames do not carry them, so a
// frame keeps what the page has (from the API's view or the PATCH that changed it).
const D1_ONLY = ["autonomy", "autonomySuggestion", "workingHours", "minutesSaved"] as const;
function keptFromD1(e: Employee): Partial<Employee> {
  const kept: Partial<Employee> = {};
  for (const key of D1_ONLY) if (e[key] !== undefined) Object.assign(kept, { [key]: e[key] });
  return kept;
}

// An employee kept current by its live status socket (no polling; reconnecting as createLiveSocket
// says); `removed` turns true when the employee is fired. The same socket carries the chat's
// frames (`chat`), the backups' (`backups`) and the channels' (`channels`). `dropped` is true from
// the moment an open socket (or an attempt to open one) fails until one opens again; `reconnect`
// tries at once instead of after the backoff (Retry).
export function createLiveEmployee(id: string, initial: Employee) {
  const [employee, setEmployee] = createSignal<Employee>(initial);
  const [removed, setRemoved] = createSignal(false);
  const listeners = new Set<(frame: ChatFrame) => void>();
  const backupListeners = new Set<(frame: BackupFrame) => void>();
  const channelListeners = new Set<(frame: ChannelFrame) => void>();
  const socket = createLiveSocket(`/api/employees/${encodeURIComponent(id)}/live`, (data) => {
    const frame = parseLiveFrame(data);
    if (!frame) return;
    if (frame.type === "status" && frame.employee) {
      const next = frame.employee;
      setEmployee((prev) => ({ ...keptFromD1(prev), ...next }));
    } else if (frame.type === "removed") {
      setRemoved(true);
      socket.halt();
    } else if (isChatFrame(frame)) for (const fn of listeners) fn(frame);
    else if (frame.type === "backup") for (const fn of backupListeners) fn(frame);
    else if (frame.type === "channel" || frame.type === "channel.pairing")
      for (const fn of channelListeners) fn(frame);
  });
  const { reconnects, lost } = socket;
  const chat: ChatFeed = {
    listen(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    reconnects,
    lost,
    retry: socket.retry,
  };
  const backups: BackupFeed = {
    listen(fn) {
      backupListeners.add(fn);
      return () => backupListeners.delete(fn);
    },
    reconnects,
  };
  const channels: ChannelFeed = {
    listen(fn) {
      channelListeners.add(fn);
      return () => channelListeners.delete(fn);
    },
    reconnects,
  };
  // `dropped` and `reconnect` are the launch checklist's names for the same state and action.
  return {
    employee,
    removed,
    connected: socket.connected,
    setEmployee,
    chat,
    backups,
    channels,
    dropped: lost,
    reconnect: socket.retry,
  };
}
