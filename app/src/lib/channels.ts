import { createMemo } from "solid-js";
import {
  type ChannelKind,
  type ChannelPut,
  type ChannelView,
  defaultChannelSettings,
} from "../../../edge/contract/channels.ts";
import type { ApiClient } from "../../../edge/contract/client.ts";
import type { ChannelFeed } from "./live.ts";
import { createLiveCollection } from "./live-collection.ts";

// An employee's channels for the Channels tab (the pairing requests are pairing.ts's): fetched
// once, then kept current by the live socket's `channel` frames (a channel that starts failing,
// one paused elsewhere) without fetching again. A frame carries the whole view, so applying one is
// replacing; frames that arrive while the list is being fetched are applied over its answer (the
// answer can be older than they are). After the socket comes back, frames may have been missed,
// so the list is fetched again.

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
  const feed = opts.feed;
  const { byKey, put, state, reload } = createLiveCollection<ChannelView>({
    key: (c) => c.kind,
    fetch: async () =>
      (await api("GET /api/employees/:id/channels", { params: { id: employeeId } })).channels,
    ...(feed
      ? {
          listen: (put) =>
            feed.listen((frame) => {
              if (frame.type === "channel" && frame.employeeId === employeeId) put(frame.channel);
            }),
          reconnects: feed.reconnects,
        }
      : {}),
  });
  const byKind = (): Partial<Record<ChannelKind, ChannelView>> => byKey();

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
