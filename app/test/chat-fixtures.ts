import { createSignal } from "solid-js";
import { vi } from "vitest";
import type { ChatMessage, Conversation } from "../../edge/contract/chat.ts";
import type { Employee } from "../../edge/contract/employee.ts";
import type { ChatFeed, ChatFrame } from "../src/lib/live.ts";
import { fakeFeed as fakeLiveFeed } from "./fake-feed.ts";

// What the chat's component tests share: an employee, conversations and messages in the API's
// shape, and a live socket whose chat frames the test sends by hand.

export const employee: Employee = {
  id: "e1",
  name: "Ada",
  role: "researcher",
  tone: "friendly",
  skills: [],
  status: "running",
  statusReason: null,
  step: null,
  node: "n1",
  createdAt: "2026-01-01T00:00:00Z",
  updatedAt: "2026-01-01T00:00:00Z",
};

export const conversation = (over: Partial<Conversation> = {}): Conversation => ({
  id: "c1",
  source: "web",
  title: "Prices",
  createdAt: "2026-01-02T10:00:00Z",
  updatedAt: "2026-01-02T10:00:05Z",
  messageCount: 2,
  busy: false,
  ...over,
});

export const message = (over: Partial<ChatMessage> = {}): ChatMessage => ({
  id: "m1",
  conversationId: "c1",
  role: "person",
  author: "Olga",
  text: "What do our competitors charge?",
  truncated: false,
  status: "done",
  error: null,
  attachments: [],
  tools: [],
  createdAt: "2026-01-02T10:00:00Z",
  completedAt: "2026-01-02T10:00:00Z",
  ...over,
});

export const answer = (over: Partial<ChatMessage> = {}): ChatMessage =>
  message({
    id: "m2",
    role: "employee",
    author: null,
    text: "",
    status: "streaming",
    completedAt: null,
    createdAt: "2026-01-02T10:00:01Z",
    ...over,
  });

export function fakeFeed() {
  const live = fakeLiveFeed<ChatFrame>();
  const [lost, setLost] = createSignal(false);
  const retry = vi.fn();
  const feed: ChatFeed = { ...live.feed, lost, retry };
  return { ...live, feed, setLost, retry };
}
