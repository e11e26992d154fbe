import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { NOTICE_TEXT } from "../objects/inbox/channel-intake.ts";
import { ChannelStore } from "../objects/inbox/channel-store.ts";
import { InboxStore } from "../objects/inbox/inbox-store.ts";
import {
  connectTelegram,
  intakeStates,
  pause,
  receive,
  sendRequests,
  sentTexts,
  telegramMessage,
} from "./channels-inbox-helpers.ts";
import { accept, conversations, progress, runningEmployee, send, until } from "./chat-helpers.ts";
import { employeeObject } from "./clocks.ts";
import { api, errorOf, removeAllEmployees, waitForEmployee } from "./helpers.ts";

afterEach(removeAllEmployees);

// The durable inbox's channel side (issue 17, package C) on the real EmployeeDO: intake, delivery
// through the scripted node with the sender line, and the outbox to the Telegram stand-in.

describe("channel intake and delivery", () => {
  it("stores each provider message once: a redelivery is a duplicate and is answered once", async () => {
    const { employeeId, agent } = await runningEmployee("ch-dedupe");
    const ch = await connectTelegram(employeeId, { policy: "anyone" });
    const m = telegramMessage({ text: "Are you there?" });
    expect(await receive(employeeId, ch.channelId, m)).toEqual({ stored: 1, duplicates: 0 });
    const first = await agent.next("chat.send");
    expect(await receive(employeeId, ch.channelId, m)).toEqual({ stored: 0, duplicates: 1 });
    expect(first.text).toBe("[Telegram message from Ada Lovelace]\nAre you there?");
    expect(first.sessionKey).toMatch(/^agent:main:telegram:/);
    accept(agent, first);
    progress(agent, employeeId, first.runId, { state: "final", text: "I am." });
    await until(async () => (await sentTexts(ch.token)).length === 1, "the reply at the provider");
    await pause(200);
    expect(agent.received.some((f) => f.type === "chat.send")).toBe(false);
    const [sent] = await sendRequests(ch.token);
    expect(sent).toMatchObject({
      chat_id: "4242",
      text: "I am.",
      reply_parameters: { message_id: m.replyTo.kind === "telegram" ? m.replyTo.messageId : 0 },
    });
  });

  it("keeps a message while the employee is stopped: after Start one chat.send, one provider reply", async () => {
    const { cookie, employeeId, agent } = await runningEmployee("ch-stopped");
    const ch = await connectTelegram(employeeId, { policy: "anyone" });
    await api(`/api/employees/${employeeId}/stop`, { method: "POST", cookie });
    const stop = await agent.next("container.stop");
    agent.send({ type: "result", id: stop.id, ok: true });
    await waitForEmployee(cookie, employeeId, (e) => e.status === "stopped");

    await receive(employeeId, ch.channelId, telegramMessage({ text: "Morning!" }));
    await until(async () => (await intakeStates(employeeId)).admitted === 1, "admitted");
    await pause(200);
    expect(agent.received.some((f) => f.type === "chat.send")).toBe(false);

    await api(`/api/employees/${employeeId}/provision`, { method: "POST", cookie });
    await agent.completeProvision(await agent.next("container.provision"));
    const sendFrame = await agent.next("chat.send");
    expect(sendFrame.text).toContain("Morning!");
    accept(agent, sendFrame);
    progress(agent, employeeId, sendFrame.runId, { state: "final", text: "Good morning." });
    await until(async () => (await sentTexts(ch.token)).length === 1, "the reply");
    await pause(200);
    expect(await sentTexts(ch.token)).toEqual(["Good morning."]);
    expect(agent.received.filter((f) => f.type === "chat.send")).toHaveLength(0);
  });

  it("answers once when the employee restarts mid-answer", async () => {
    const { cookie, employeeId, agent } = await runningEmployee("ch-restart");
    const ch = await connectTelegram(employeeId, { policy: "anyone" });
    await receive(employeeId, ch.channelId, telegramMessage({ text: "Long question" }));
    const first = await agent.next("chat.send");
    accept(agent, first);
    progress(agent, employeeId, first.runId, { state: "streaming", text: "Thinking" });
    await pause(100);

    await api(`/api/employees/${employeeId}/restart`, { method: "POST", cookie });
    const restart = await agent.next("container.restart");
    agent.send({
      type: "result",
      id: restart.id,
      ok: true,
      data: { employeeId, containerId: `c-${employeeId.slice(0, 8)}`, state: "running" },
    });
    const again = await agent.next("chat.send");
    expect(again.runId).toBe(first.runId);
    accept(agent, again);
    progress(agent, employeeId, again.runId, { state: "final", text: "The answer." });
    await until(async () => (await sentTexts(ch.token)).length === 1, "the reply");
    await pause(200);
    expect(await sentTexts(ch.token)).toEqual(["The answer."]);
  });

  it("cuts a text over chat.send's limit with a note; the conversation is read-only in the web chat", async () => {
    const { cookie, employeeId, agent } = await runningEmployee("ch-long");
    const ch = await connectTelegram(employeeId, { policy: "anyone" });
    await receive(employeeId, ch.channelId, telegramMessage({ text: "x".repeat(20_000) }));
    const frame = await agent.next("chat.send");
    expect(frame.text.length).toBeLessThanOrEqual(16_000);
    expect(frame.text).toMatch(/^\[Telegram message from Ada Lovelace\]\nxxx/);
    expect(frame.text).toContain("The message was longer and was cut here");

    const list = await conversations(cookie, employeeId);
    const c = list.conversations.find((x) => x.source === "telegram");
    expect(c?.channel).toEqual({ kind: "telegram", peer: "Ada Lovelace" });
    const res = await send(cookie, employeeId, c?.id ?? "", { text: "me too" });
    expect(res.status).toBe(409);
    expect((await errorOf(res)).code).toBe("invalid_state");
  });
});

describe("channel schema", () => {
  it("adds its tables and columns to an object made with the old schema, once", async () => {
    const stub = employeeObject(`old-schema-${crypto.randomUUID()}`);
    await runInDurableObject(stub, (_instance, state) => {
      const sql = state.storage.sql;
      for (const t of [
        "channel_intake",
        "channel_outbox",
        "sender_rates",
        "conversations",
        "messages",
      ])
        sql.exec(`DROP TABLE IF EXISTS ${t}`);
      // The inbox's tables as they were before channels.
      sql.exec(
        "CREATE TABLE conversations (id TEXT PRIMARY KEY, source TEXT NOT NULL, title TEXT NOT NULL, created_at INTEGER NOT NULL)",
      );
      sql.exec(`CREATE TABLE messages (
        id TEXT PRIMARY KEY, conversation_id TEXT NOT NULL, role TEXT NOT NULL, author TEXT,
        text TEXT NOT NULL, truncated INTEGER NOT NULL DEFAULT 0, status TEXT NOT NULL,
        error_code TEXT, error_message TEXT, tools TEXT NOT NULL DEFAULT '[]', reply_to TEXT,
        deadline_at INTEGER, progress_at INTEGER, created_at INTEGER NOT NULL, completed_at INTEGER)`);
      sql.exec("INSERT INTO conversations VALUES ('c1', 'web', 'old', 1)");
      new InboxStore(sql);
      new ChannelStore(sql);
      new ChannelStore(sql); // a second start changes nothing and does not throw
      const cols = (t: string) =>
        sql
          .exec<{ name: string }>("SELECT name FROM pragma_table_info(?)", t)
          .toArray()
          .map((r) => r.name);
      expect(cols("conversations")).toEqual(
        expect.arrayContaining(["external_key", "peer", "title"]),
      );
      expect(cols("messages")).toEqual(
        expect.arrayContaining(["reply_target", "sender_key", "notice_at"]),
      );
      expect(cols("channel_intake")).toContain("message_json");
      const store = new InboxStore(sql);
      expect(store.conversation("c1")).toMatchObject({ title: "old", external_key: null });
    });
  });
});

describe("notices", () => {
  it("says 'answering shortly' once after the channel's delay, once per conversation", async () => {
    const { employeeId, agent } = await runningEmployee("ch-notice");
    const ch = await connectTelegram(employeeId, { policy: "anyone", noticeAfterSeconds: 60 });
    await receive(employeeId, ch.channelId, telegramMessage(), telegramMessage());
    const first = await agent.next("chat.send");
    accept(agent, first);
    const object = employeeObject(employeeId);
    await object.advanceClock(30_000);
    await runDurableObjectAlarm(object);
    expect(await sentTexts(ch.token)).toEqual([]);
    await object.advanceClock(31_000);
    await runDurableObjectAlarm(object);
    expect(await sentTexts(ch.token)).toEqual([NOTICE_TEXT]);
    await object.advanceClock(120_000);
    await runDurableObjectAlarm(object);
    expect(await sentTexts(ch.token)).toEqual([NOTICE_TEXT]);

    progress(agent, employeeId, first.runId, { state: "final", text: "Done." });
    await until(async () => (await sentTexts(ch.token)).length === 2, "the reply");
    expect(await sentTexts(ch.token)).toEqual([NOTICE_TEXT, "Done."]);
  });
});
