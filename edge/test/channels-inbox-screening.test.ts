import { runDurableObjectAlarm } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { FAILURE_TEXT, SENDER_RATE } from "../objects/inbox/channel-intake.ts";
import { decidePairingRequest, findChannelSender } from "../store/channel-senders.ts";
import { getChannel } from "../store/channels.ts";
import {
  connectTelegram,
  intakeStates,
  pause,
  receive,
  sentTexts,
  telegramMessage,
} from "./channels-inbox-helpers.ts";
import { standIn } from "./channels-test-helpers.ts";
import {
  accept,
  conversations,
  liveChat,
  progress,
  runningEmployee,
  until,
} from "./chat-helpers.ts";
import { employeeObject } from "./clocks.ts";
import { removeAllEmployees } from "./helpers.ts";

afterEach(removeAllEmployees);

// Who gets through to the employee (members, pairing requests, rates) and what the outbox does
// when the provider refuses (its pauses, a failure part-way, a revoked token).

describe("who may write", () => {
  it("records the 21st message of a sender in a minute as rate_limited, not delivered", async () => {
    const { employeeId } = await runningEmployee("ch-rate");
    const ch = await connectTelegram(employeeId, { policy: "anyone" });
    const burst = Array.from({ length: SENDER_RATE.limit + 1 }, () => telegramMessage());
    expect(await receive(employeeId, ch.channelId, ...burst)).toEqual({
      stored: 21,
      duplicates: 0,
    });
    await until(async () => (await intakeStates(employeeId)).admitted === 20, "20 admitted");
    expect(await intakeStates(employeeId)).toEqual({ admitted: 20, rate_limited: 1 });
  });

  it("holds a stranger's messages as a pairing request, unanswered; allow delivers them", async () => {
    const { cookie, employeeId, agent } = await runningEmployee("ch-stranger");
    const live = await liveChat(cookie, employeeId);
    const ch = await connectTelegram(employeeId);
    const stranger = { conversationId: "777", sender: { id: "777", name: "Mallory" } };
    await receive(
      employeeId,
      ch.channelId,
      telegramMessage({ ...stranger, text: "let me in" }),
      telegramMessage({ ...stranger, text: "please" }),
    );
    await until(async () => (await intakeStates(employeeId)).held === 2, "held");
    const request = await findChannelSender(env.DB, employeeId, "telegram", "777");
    expect(request).toMatchObject({ status: "pending", preview: "let me in", messageCount: 2 });
    expect(live.frames.some((f) => f.type === "channel.pairing")).toBe(true);
    await pause(200);
    expect(agent.received.some((f) => f.type === "chat.send")).toBe(false);
    expect(await sentTexts(ch.token)).toEqual([]);

    await decidePairingRequest(
      env.DB,
      ch.accountId,
      request?.id ?? "",
      { status: "allowed", userId: null, decidedBy: "admin" },
      Date.now(),
    );
    await employeeObject(employeeId).channelReleaseSender("telegram", "777", "allow");
    const first = await agent.next("chat.send");
    expect(first.text).toBe("[Telegram message from Mallory]\nlet me in");
    expect(await intakeStates(employeeId)).toEqual({ admitted: 2 });
    live.ws.close();
  });

  it("drops a blocked sender's held messages, and what they send later", async () => {
    const { employeeId, agent } = await runningEmployee("ch-block");
    const ch = await connectTelegram(employeeId);
    const stranger = { conversationId: "666", sender: { id: "666", name: "Spam" } };
    await receive(employeeId, ch.channelId, telegramMessage(stranger));
    await until(async () => (await intakeStates(employeeId)).held === 1, "held");
    const request = await findChannelSender(env.DB, employeeId, "telegram", "666");
    await decidePairingRequest(
      env.DB,
      ch.accountId,
      request?.id ?? "",
      { status: "blocked", userId: null, decidedBy: "admin" },
      Date.now(),
    );
    await employeeObject(employeeId).channelReleaseSender("telegram", "666", "block");
    await receive(employeeId, ch.channelId, telegramMessage(stranger));
    await until(async () => (await intakeStates(employeeId)).blocked === 2, "blocked");
    await pause(200);
    expect(agent.received.some((f) => f.type === "chat.send")).toBe(false);
  });
});

// A running employee answers one message over the Telegram stand-in; `fail` is set first.
async function answered(tag: string, answer: string, fail?: Record<string, unknown>) {
  const { cookie, employeeId, agent } = await runningEmployee(tag);
  const ch = await connectTelegram(employeeId, { policy: "anyone", noticeAfterSeconds: null });
  if (fail)
    await standIn("/telegram/_test/fail", { token: ch.token, method: "sendMessage", ...fail });
  await receive(employeeId, ch.channelId, telegramMessage());
  const frame = await agent.next("chat.send");
  accept(agent, frame);
  progress(agent, employeeId, frame.runId, { state: "final", text: answer });
  await until(async () => (await sentTexts(ch.token)).length >= 1, "a send");
  return { cookie, employeeId, agent, ch, object: employeeObject(employeeId) };
}

describe("the outbox", () => {
  it("waits the provider's retry_after after a 429, then sends", async () => {
    const { ch, object } = await answered("ch-429", "Later.", {
      errorCode: 429,
      description: "Too Many Requests: retry after 30",
      retryAfter: 30,
    });
    await runDurableObjectAlarm(object);
    expect(await sentTexts(ch.token)).toEqual(["Later."]); // the refused one, not again yet
    await object.advanceClock(29_000);
    await runDurableObjectAlarm(object);
    expect(await sentTexts(ch.token)).toHaveLength(1);
    await object.advanceClock(1_500);
    await runDurableObjectAlarm(object);
    expect(await sentTexts(ch.token)).toEqual(["Later.", "Later."]);
  });

  it("resumes a split reply at the part that failed", async () => {
    const answer = `${"A".repeat(4000)}\n\n${"B".repeat(4000)}`;
    const { ch, object } = await answered("ch-part2", answer, {
      skip: 1,
      errorCode: 502,
      description: "Bad Gateway",
    });
    await until(async () => (await sentTexts(ch.token)).length === 2, "two calls");
    await object.advanceClock(6_000);
    await runDurableObjectAlarm(object);
    const texts = await sentTexts(ch.token);
    expect(texts.map((t) => t[0])).toEqual(["A", "B", "B"]);
  });

  it("marks the channel failing with the provider's reason when the token is revoked, live", async () => {
    const { cookie, employeeId, agent } = await runningEmployee("ch-revoked");
    const live = await liveChat(cookie, employeeId);
    const ch = await connectTelegram(employeeId, { policy: "anyone", noticeAfterSeconds: null });
    await standIn("/telegram/_test/revoke", { token: ch.token });
    await receive(employeeId, ch.channelId, telegramMessage());
    const frame = await agent.next("chat.send");
    accept(agent, frame);
    progress(agent, employeeId, frame.runId, { state: "final", text: "Hi" });
    await until(
      () => live.frames.some((f) => f.type === "channel" && f.channel.status === "failing"),
      "the failing channel, live",
    );
    const row = await getChannel(env.DB, ch.channelId);
    expect(row?.status).toBe("failing");
    expect(row?.statusReason).toMatch(/Unauthorized/);
    live.ws.close();
  });

  it("sends a one-line apology when the answer failed", async () => {
    const { employeeId, agent } = await runningEmployee("ch-failed");
    const ch = await connectTelegram(employeeId, { policy: "anyone", noticeAfterSeconds: null });
    await receive(employeeId, ch.channelId, telegramMessage());
    const frame = await agent.next("chat.send");
    accept(agent, frame);
    progress(agent, employeeId, frame.runId, {
      state: "error",
      text: "",
      error: { code: "model_error", message: "boom" },
    });
    await until(async () => (await sentTexts(ch.token)).length === 1, "the apology");
    expect(await sentTexts(ch.token)).toEqual([FAILURE_TEXT]);
  });

  it("sends a message on the employee's initiative into a channel conversation", async () => {
    const { ch, object, cookie, employeeId } = await answered("ch-initiative", "Hello.");
    const list = await conversations(cookie, employeeId);
    const c = list.conversations.find((x) => x.source === "telegram");
    expect(await object.channelSendOnInitiative(c?.id ?? "", "Reminder: meeting at 3.")).toEqual({
      id: expect.any(String),
    });
    await until(async () => (await sentTexts(ch.token)).length === 2, "the initiative");
    expect((await sentTexts(ch.token))[1]).toBe("Reminder: meeting at 3.");
    expect(await object.channelSendOnInitiative(crypto.randomUUID(), "x")).toBeNull();
  });
});
