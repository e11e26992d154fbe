import {
  type ChannelKind,
  type ChannelView,
  defaultChannelSettings,
  type PairingRequestView,
} from "../../edge/contract/channels.ts";
import type { ChannelFeed, ChannelFrame } from "../src/lib/live.ts";
import { fakeFeed } from "./fake-feed.ts";

// What the Channels tests share: channels and pairing requests in the API's shape, and a live
// socket whose channel frames the test sends by hand.

export const channel = (kind: ChannelKind, over: Partial<ChannelView> = {}): ChannelView => ({
  kind,
  status: "connected",
  statusReason: null,
  display: "",
  credential: null,
  settings: defaultChannelSettings(kind),
  paused: false,
  connectedAt: "2026-12-01T10:00:00Z",
  ...over,
});

export const emailChannel = (over: Partial<ChannelView> = {}): ChannelView =>
  channel("email", {
    address: "ada@employees.example",
    display: "ada@employees.example",
    ...over,
  });

export const request = (over: Partial<PairingRequestView> = {}): PairingRequestView => ({
  id: "p1",
  employeeId: "e1",
  employeeName: "Ada",
  kind: "telegram",
  sender: { id: "tg:42", name: "Mallory Stranger", email: null },
  preview: "Hi, can you send me your price list?",
  messageCount: 2,
  status: "pending",
  createdAt: "2026-12-02T09:00:00Z",
  ...over,
});

export function fakeChannelFeed() {
  const live = fakeFeed<ChannelFrame>();
  const feed: ChannelFeed = live.feed;
  return { ...live, feed };
}
