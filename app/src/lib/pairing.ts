import { createEffect, createMemo, createSignal, on, onCleanup, onMount } from "solid-js";
import type { PairingDecision, PairingRequestView } from "../../../edge/contract/channels.ts";
import type { ApiClient } from "../../../edge/contract/client.ts";
import type { ChannelFeed } from "./live.ts";
import type { Load } from "./load.ts";

// The pairing requests an admin decides (issue 17), kept current by the live socket's
// `channel.pairing` frames (a stranger's first message, a decision made in another tab). Apart
// from the Channels tab's store (channels.ts): the workspace counts them on the tab whichever tab
// is open, so this is in the page's own JavaScript, and the tab's store is not.

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
