import { createRoot } from "solid-js";
import { describe, expect, it } from "vitest";
import { createApiClient } from "../../edge/contract/client.ts";
import { createChatStore, mergeMessage } from "../src/lib/chat-store.ts";
import { answer, conversation, message } from "./chat-fixtures.ts";

// A chat.message frame carries a message's whole state; frames, the POST's answer and a refetched
// page may arrive in any order, and the one further along must win.
describe("mergeMessage", () => {
  it("takes the first state of a message it did not have", () => {
    const m = answer({ text: "Hi" });
    expect(mergeMessage(undefined, m)).toBe(m);
  });

  it("never goes back from an ended message to a streaming or queued one", () => {
    const done = answer({ text: "Hello.", status: "done", completedAt: "2026-01-02T10:00:09Z" });
    expect(mergeMessage(done, answer({ text: "Hel" }))).toBe(done);
    expect(mergeMessage(done, answer({ status: "queued" }))).toBe(done);
  });

  it("keeps the longer text of two streaming states, and the later stage otherwise", () => {
    const long = answer({ text: "Hello wor" });
    const short = answer({ text: "Hello" });
    expect(mergeMessage(long, short)).toBe(long);
    expect(mergeMessage(short, long)).toBe(long);
    const queued = answer({ status: "queued" });
    expect(mergeMessage(queued, short)).toBe(short);
  });

  it("between two ended states, the newer completedAt wins", () => {
    const aborted = answer({ status: "aborted", completedAt: "2026-01-02T10:00:05Z" });
    const failed = answer({ status: "failed", completedAt: "2026-01-02T10:00:04Z" });
    expect(mergeMessage(aborted, failed)).toBe(aborted);
    expect(mergeMessage(failed, aborted)).toBe(aborted);
  });
});

describe("a message just sent", () => {
  it("is shown once when its live frame comes before the POST's answer", async () => {
    let answerPost: (r: Response) => void = () => {};
    const stored = message({ id: "m9", text: "Hi there", status: "queued", completedAt: null });
    const client = createApiClient({
      fetch: async (url, init) => {
        const key = `${init.method} ${new URL(url, "http://app.test").pathname}`;
        if (key.endsWith("/messages") && init.method === "POST")
          return new Promise<Response>((resolve) => {
            answerPost = resolve;
          });
        const body = key.endsWith("/conversations")
          ? { conversations: [conversation()], readiness: { state: "ready" } }
          : { conversation: conversation(), messages: [], nextBefore: null };
        return new Response(JSON.stringify(body), {
          status: 200,
          headers: { "content-type": "application/json" },
        });
      },
    });
    await createRoot(async (dispose) => {
      const store = createChatStore({ api: client, employeeId: "e1", author: "Olga" });
      await store.load();
      const sending = store.send("Hi there");
      await Promise.resolve();
      await new Promise((r) => setTimeout(r, 0));
      expect(store.messages().map((m) => m.text)).toEqual(["Hi there"]);
      store.apply({ type: "chat.message", message: stored });
      expect(store.messages().map((m) => m.id)).toEqual(["m9"]);
      const reply = answer({ id: "m10", status: "queued" });
      answerPost(
        new Response(JSON.stringify({ message: stored, reply }), {
          status: 202,
          headers: { "content-type": "application/json" },
        }),
      );
      await sending;
      expect(store.messages().map((m) => m.id)).toEqual(["m9", "m10"]);
      dispose();
    });
  });
});
