import { createMemo } from "solid-js";
import type { PairingDecision, PairingRequestView } from "../../../edge/contract/channels.ts";
import type { ApiClient } from "../../../edge/contract/client.ts";
import type { ChannelFeed } from "./live.ts";
import { createLiveCollection } from "./live-collection.ts";

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
  const feed = opts.feed;
  const {
    byKey: byId,
    put,
    state,
    reload,
  } = createLiveCollection<PairingRequestView>({
    key: (r) => r.id,
    accept: (r) => opts.employeeId === undefined || r.employeeId === opts.employeeId,
    fetch: async () => (await opts.api("GET /api/pairing-requests")).requests,
    enabled: opts.enabled,
    ...(feed
      ? {
          listen: (put) =>
            feed.listen((frame) => {
              if (frame.type === "channel.pairing") put(frame.request);
            }),
          reconnects: feed.reconnects,
        }
      : {}),
  });

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
