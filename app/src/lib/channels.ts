import { createEffect, createMemo, createSignal, on, onCleanup, onMount } from "solid-js";
import {
  type ChannelKind,
  type ChannelPut,
  type ChannelView,
  defaultChannelSettings,
  type PairingDecision,
  type PairingRequestView,
} from "../../../edge/contract/channels.ts";
import type { ApiClient } from "../../../edge/contract/client.ts";
import type { ChannelFeed } from "./live.ts";
import type { Load } from "./load.ts";

// An employee's channels for the Channels tab, and the pairing requests an admin decides: fetched
// once, then kept current by the live socket's `channel` and `channel.pairing` frames (a channel
// that starts failing, a stranger's first message) without fetching again. A frame carries the
// whole view, so applying one is replacing; frames that arrive while the list is being fetched are
// applied over its answer (the answer can be older than they are). After the socket comes back,
// frames may have been missed, so the list is fetched again.

/** The order of the cards: email first (every employee has an address), then the chats. */
export const CHANNEL_ORDER: readonly ChannelKind[] = ["email", "telegram", "slack", "whatsapp"];

/** What the API lists for a kind nothing is saved for (and what a removed channel becomes). */
export const notConnected = (kind: ChannelKind): ChannelView => ({
  kind,
  status: "not_connected",
  statusReason: null,
  display: "",
  credential: null,
  settings: defaultChannelSettings(kind),
  paused: false,
  connectedAt: null,
});

export type ChannelStore = ReturnType<typeof createChannelStore>;

export function createChannelStore(opts: {
  api: ApiClient;
  employeeId: string;
  feed?: ChannelFeed;
}) {
  const { api, employeeId } = opts;
  const [byKind, setByKind] = createSignal<Partial<Record<ChannelKind, ChannelView>>>({});
  const [state, setState] = createSignal<Load<null>>({ state: "loading" });
  let arrived: ChannelView[] | null = null;
  let generation = 0;
  const put = (c: ChannelView) => setByKind((all) => ({ ...all, [c.kind]: c }));

  const reload = async () => {
    const mine = ++generation;
    arrived = [];
    try {
      const answer = await api("GET /api/employees/:id/channels", { params: { id: employeeId } });
      if (mine !== generation) return;
      const next: Partial<Record<ChannelKind, ChannelView>> = {};
      for (const c of [...answer.channels, ...(arrived ?? [])]) next[c.kind] = c;
      setByKind(next);
      setState({ state: "ready", value: null });
    } catch (error) {
      if (mine === generation) setState({ state: "error", error });
    } finally {
      if (mine === generation) arrived = null;
    }
  };

  onMount(() => {
    void reload();
    const feed = opts.feed;
    if (!feed) return;
    const stop = feed.listen((frame) => {
      if (frame.type !== "channel" || frame.employeeId !== employeeId) return;
      arrived?.push(frame.channel);
      put(frame.channel);
    });
    onCleanup(stop);
  });
  if (opts.feed) createEffect(on(opts.feed.reconnects, () => void reload(), { defer: true }));

  const params = (kind: ChannelKind) => ({ params: { id: employeeId, kind } });
  return {
    /** Every kind, in CHANNEL_ORDER; a kind the API did not list is not connected. */
    list: createMemo(() => CHANNEL_ORDER.map((k) => byKind()[k] ?? notConnected(k))),
    get: (kind: ChannelKind): ChannelView => byKind()[kind] ?? notConnected(kind),
    state,
    reload,
    /** Connect or change: the answer's view is shown at once; Slack's carries where to consent. */
    async save(kind: ChannelKind, body: ChannelPut): Promise<{ authorizeUrl?: string }> {
      const answer = await api("PUT /api/employees/:id/channels/:kind", { ...params(kind), body });
      put(answer.channel);
      return answer.authorizeUrl ? { authorizeUrl: answer.authorizeUrl } : {};
    },
    async test(kind: ChannelKind): Promise<ChannelView> {
      const answer = await api("POST /api/employees/:id/channels/:kind/test", params(kind));
      put(answer.channel);
      return answer.channel;
    },
    async remove(kind: ChannelKind): Promise<void> {
      await api("DELETE /api/employees/:id/channels/:kind", params(kind));
      put(notConnected(kind));
    },
  };
}

export type PairingStore = ReturnType<typeof createPairingStore>;

/** Newest first. */
const newestFirst = (a: PairingRequestView, b: PairingRequestView): number =>
  a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : a.id < b.id ? 1 : -1;

// The pairing requests an admin decides: those of one employee (the workspace), or all (without
// `employeeId`). `enabled` is whether the viewer may see them at all (the API refuses members with
// 403): nothing is fetched until it is true, which it can turn once the page knows the role.
export function createPairingStore(opts: {
  api: ApiClient;
  employeeId?: string;
  feed?: ChannelFeed;
  enabled: () => boolean;
}) {
  const [byId, setById] = createSignal<Record<string, PairingRequestView>>({});
  const [state, setState] = createSignal<Load<null>>({ state: "loading" });
  let arrived: PairingRequestView[] | null = null;
  let generation = 0;
  const mine = (r: PairingRequestView) =>
    opts.employeeId === undefined || r.employeeId === opts.employeeId;
  const put = (r: PairingRequestView) => {
    if (mine(r)) setById((all) => ({ ...all, [r.id]: r }));
  };

  const reload = async () => {
    if (!opts.enabled()) return;
    const current = ++generation;
    arrived = [];
    try {
      const answer = await opts.api("GET /api/pairing-requests");
      if (current !== generation) return;
      const next: Record<string, PairingRequestView> = {};
      for (const r of [...answer.requests, ...(arrived ?? [])]) if (mine(r)) next[r.id] = r;
      setById(next);
      setState({ state: "ready", value: null });
    } catch (error) {
      if (current === generation) setState({ state: "error", error });
    } finally {
      if (current === generation) arrived = null;
    }
  };

  onMount(() => {
    const feed = opts.feed;
    if (!feed) return;
    const stop = feed.listen((frame) => {
      if (frame.type !== "channel.pairing" || !opts.enabled()) return;
      arrived?.push(frame.request);
      put(frame.request);
    });
    onCleanup(stop);
  });
  // Fetched once the viewer may see them (at once for an admin), and again after a reconnect.
  createEffect(on(opts.enabled, (yes) => void (yes && reload())));
  if (opts.feed) createEffect(on(opts.feed.reconnects, () => void reload(), { defer: true }));

  /** Those still waiting for a decision, newest first. */
  const pending = createMemo(() =>
    Object.values(byId())
      .filter((r) => r.status === "pending")
      .sort(newestFirst),
  );
  return {
    pending,
    state,
    reload,
    async decide(id: string, decision: PairingDecision): Promise<PairingRequestView> {
      const answer = await opts.api("POST /api/pairing-requests/:id", {
        params: { id },
        body: decision,
      });
      put(answer.request);
      return answer.request;
    },
  };
}
