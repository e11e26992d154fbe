import { createSignal } from "solid-js";
import type { Employee } from "../../../edge/contract/employee.ts";
import { type LiveFrame, parseLiveFrame } from "../../../edge/contract/live.ts";
import { createLiveSocket } from "./live-socket.ts";

export { LIVE_PING_MS, LIVE_RETRY_BASE_MS, LIVE_RETRY_MAX_MS } from "./live-socket.ts";

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

// An employee kept current by its live status socket (no polling; reconnecting as live-socket.ts
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
    if (frame.type === "status" && frame.employee) setEmployee(frame.employee);
    else if (frame.type === "removed") {
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
