import { afterEach, describe, expect, it } from "vitest";
import { connectTelegram, receive, telegramMessage } from "./channels-inbox-helpers.ts";
import { runningEmployee } from "./chat-helpers.ts";
import { removeAllEmployees } from "./helpers.ts";

afterEach(removeAllEmployees);

// How long the webhook waits on the inbox (channelReceive: stored before answered), and how long
// until the message is at the agent, in workerd on this machine. Printed, not asserted beyond
// sanity: the bench (infra/scripts/bench-channels.ts) measures the real stack.

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ?? 0;

describe("channel intake timing", () => {
  it("prints channelReceive and receive → chat.send p50/p95 over 40 messages", async () => {
    const { employeeId, agent } = await runningEmployee("ch-timing");
    const ch = await connectTelegram(employeeId, { policy: "anyone", noticeAfterSeconds: null });
    const stored: number[] = [];
    const delivered: number[] = [];
    for (let i = 0; i < 40; i++) {
      // A conversation each, so no message waits behind another's answer.
      const m = telegramMessage({ conversationId: String(9000 + i) });
      const t0 = performance.now();
      await receive(employeeId, ch.channelId, m);
      stored.push(performance.now() - t0);
      await agent.next("chat.send");
      delivered.push(performance.now() - t0);
    }
    console.log(
      `channelReceive p50 ${pct(stored, 50).toFixed(1)} ms p95 ${pct(stored, 95).toFixed(1)} ms; ` +
        `receive → chat.send p50 ${pct(delivered, 50).toFixed(1)} ms p95 ${pct(delivered, 95).toFixed(1)} ms`,
    );
    expect(stored).toHaveLength(40);
  });
});
