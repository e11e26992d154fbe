import { describe, expect, it } from "vitest";
import { mergeMessage } from "../src/lib/chat-store.ts";
import { answer } from "./chat-fixtures.ts";

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
