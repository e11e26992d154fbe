import { runDurableObjectAlarm } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { LIVE_REAUTH_CLOSE } from "../contract/live.ts";
import { CHAT_RUN_DEADLINE_MS } from "../objects/inbox/inbox-delivery.ts";
import { LIVE_VIEWER_MAX_MS } from "../objects/live-viewers.ts";
import {
  accept,
  conversations,
  history,
  liveChat,
  newConversation,
  progress,
  runningEmployee,
  sent,
  until,
} from "./chat-helpers.ts";
import { employeeObject } from "./clocks.ts";
import { FakeAgent } from "./fake-agent.ts";
import { api, removeAllEmployees, waitForEmployee } from "./helpers.ts";

afterEach(removeAllEmployees);

// The durable inbox end to end: the real Worker, the real EmployeeDO and NodeDO, and a scripted
// agent over the real /agent/connect socket playing the node's side of the chat.

describe("chat delivery through the node", () => {
  it("sends a message to the employee's OpenClaw session, streams the answer live, and keeps it", async () => {
    const { cookie, employeeId, agent } = await runningEmployee("chat-stream");
    const live = await liveChat(cookie, employeeId);
    const c = await newConversation(cookie, employeeId);
    expect(c).toMatchObject({ source: "web", title: "", messageCount: 0, busy: false });

    const { message, reply } = await sent(
      cookie,
      employeeId,
      c.id,
      "  Please summarise the week  ",
    );
    expect(message).toMatchObject({ role: "person", text: "Please summarise the week" });
    expect(reply).toMatchObject({ role: "employee", status: "sending", text: "" });

    const send = await agent.next("chat.send");
    expect(send).toMatchObject({
      employeeId,
      sessionKey: `agent:main:web:${c.id}`,
      runId: reply.id,
      text: "Please summarise the week",
      attachments: [],
    });
    accept(agent, send);
    progress(agent, employeeId, reply.id, {
      state: "streaming",
      text: "The week",
      tools: [{ id: "t1", kind: "file", summary: "Read IDENTITY.md", status: "done" }],
    });
    await until(
      () => live.messages(reply.id).some((m) => m.status === "streaming" && m.text === "The week"),
      "the streaming answer, live",
    );
    await new Promise((r) => setTimeout(r, 150));
    progress(agent, employeeId, reply.id, {
      state: "final",
      text: "The week was calm.",
      tools: [{ id: "t1", kind: "file", summary: "Read IDENTITY.md", status: "done" }],
    });
    await until(
      () => live.messages(reply.id).some((m) => m.status === "done"),
      "the final answer, live",
    );
    expect(live.messages(message.id).at(-1)?.status).toBe("done");

    // A reload: the history has it all, and the conversation took its title from the message.
    const h = await history(cookie, employeeId, c.id);
    expect(h.messages.map((m) => [m.role, m.status, m.text])).toEqual([
      ["person", "done", "Please summarise the week"],
      ["employee", "done", "The week was calm."],
    ]);
    expect(h.messages[1]?.tools).toEqual([
      { id: "t1", kind: "file", summary: "Read IDENTITY.md", status: "done" },
    ]);
    expect(h.conversation).toMatchObject({
      title: "Please summarise the week",
      messageCount: 2,
      busy: false,
    });
    expect(h.nextBefore).toBeNull();
    const list = await conversations(cookie, employeeId);
    expect(list.readiness).toEqual({ state: "ready" });
    expect(list.conversations.map((x) => x.id)).toEqual([c.id]);
    // A second message goes out as its own run, in the same session.
    const second = await sent(cookie, employeeId, c.id, "And next week?");
    const send2 = await agent.next("chat.send");
    expect(send2.runId).toBe(second.reply.id);
    expect(send2.sessionKey).toBe(send.sessionKey);
    live.ws.close();
    agent.close();
  });

  it("keeps one message at a time per conversation, in order", async () => {
    const { cookie, employeeId, agent } = await runningEmployee("chat-order");
    const c = await newConversation(cookie, employeeId);
    const first = await sent(cookie, employeeId, c.id, "one");
    const second = await sent(cookie, employeeId, c.id, "two");
    expect(second.reply.status).toBe("queued");
    const send1 = await agent.next("chat.send");
    expect(send1.runId).toBe(first.reply.id);
    accept(agent, send1);
    await new Promise((r) => setTimeout(r, 200));
    expect(agent.received.filter((f) => f.type === "chat.send")).toEqual([]);
    progress(agent, employeeId, first.reply.id, { state: "final", text: "1" });
    const send2 = await agent.next("chat.send");
    expect(send2).toMatchObject({ runId: second.reply.id, text: "two" });
    agent.close();
  });

  it("keeps a stopped employee's message queued, delivers it once it runs, exactly once across reconnects", async () => {
    const { cookie, employeeId, agent, node } = await runningEmployee("chat-asleep");
    const live = await liveChat(cookie, employeeId);
    expect((await api(`/api/employees/${employeeId}/stop`, { method: "POST", cookie })).ok).toBe(
      true,
    );
    const stop = await agent.next("container.stop");
    agent.send({ type: "result", id: stop.id, ok: true });
    await waitForEmployee(cookie, employeeId, (e) => e.status === "stopped");
    await until(
      () => live.frames.some((f) => f.type === "chat.readiness" && f.readiness.state === "asleep"),
      "the asleep readiness, live",
    );
    expect((await conversations(cookie, employeeId)).readiness).toEqual({ state: "asleep" });

    const c = await newConversation(cookie, employeeId, "While asleep");
    const { reply } = await sent(cookie, employeeId, c.id, "Are you there?");
    expect(reply.status).toBe("queued");
    await new Promise((r) => setTimeout(r, 200));
    expect(agent.received.some((f) => f.type === "chat.send")).toBe(false);
    expect((await history(cookie, employeeId, c.id)).messages.map((m) => m.status)).toEqual([
      "queued",
      "queued",
    ]);

    // It runs again: the message goes.
    expect(
      (await api(`/api/employees/${employeeId}/provision`, { method: "POST", cookie })).ok,
    ).toBe(true);
    const provision = await agent.next("container.provision");
    await agent.completeProvision(provision);
    const first = await agent.next("chat.send");
    expect(first.runId).toBe(reply.id);

    // The connection is lost before the agent answered: the node's outbox sends it again, same run.
    const running = [
      { employeeId, containerId: `c-${employeeId.slice(0, 8)}`, state: "running" as const },
    ];
    agent.close();
    const again = await FakeAgent.connect(node.token, { slots: 2, inventory: running });
    const resent = await again.next("chat.send");
    expect(resent.runId).toBe(reply.id);
    accept(again, resent);
    progress(again, employeeId, reply.id, { state: "streaming", text: "Yes" });
    await until(
      async () => (await history(cookie, employeeId, c.id)).messages[1]?.status === "streaming",
      "streaming",
    );

    // Lost again while the answer is written: on reconnect the same run is asked for again.
    again.close();
    const third = await FakeAgent.connect(node.token, { slots: 2, inventory: running });
    const asked = await third.next("chat.send");
    expect(asked.runId).toBe(reply.id);
    progress(third, employeeId, reply.id, { state: "final", text: "Yes, I am." });
    await until(
      async () => (await history(cookie, employeeId, c.id)).messages[1]?.status === "done",
      "done",
    );
    const h = await history(cookie, employeeId, c.id);
    expect(h.messages.map((m) => [m.role, m.status, m.text])).toEqual([
      ["person", "done", "Are you there?"],
      ["employee", "done", "Yes, I am."],
    ]);
    // Never a second run: every chat.send any connection got named the one reply.
    const runs = [agent, again, third].flatMap((a) =>
      a.received.flatMap((f) => (f.type === "chat.send" ? [f.runId] : [])),
    );
    expect(new Set([first.runId, resent.runId, asked.runId, ...runs])).toEqual(new Set([reply.id]));
    live.ws.close();
    third.close();
  });

  it("stops the answer being written: chat.abort on the node, the reply ends aborted", async () => {
    const { cookie, employeeId, agent } = await runningEmployee("chat-stop");
    const c = await newConversation(cookie, employeeId);
    const { reply } = await sent(cookie, employeeId, c.id, "Write a long essay");
    const send = await agent.next("chat.send");
    accept(agent, send);
    progress(agent, employeeId, reply.id, { state: "streaming", text: "Once upon" });
    await until(
      async () => (await history(cookie, employeeId, c.id)).messages[1]?.text === "Once upon",
      "streaming",
    );

    const res = await api(`/api/employees/${employeeId}/conversations/${c.id}/stop`, {
      method: "POST",
      cookie,
    });
    expect(res.status).toBe(202);
    expect(((await res.json()) as { conversation: { busy: boolean } }).conversation.busy).toBe(
      false,
    );
    const abort = await agent.next("chat.abort");
    expect(abort).toMatchObject({
      employeeId,
      sessionKey: `agent:main:web:${c.id}`,
      runId: reply.id,
    });
    // What the agent says after the stop changes nothing.
    progress(agent, employeeId, reply.id, { state: "final", text: "Once upon a time, the end." });
    await new Promise((r) => setTimeout(r, 200));
    const h = await history(cookie, employeeId, c.id);
    expect(h.messages[1]).toMatchObject({ status: "aborted", text: "Once upon" });
    agent.close();
  });

  it("stops telling a live socket past its time, which is closed to be opened (and admitted) again", async () => {
    const { cookie, employeeId, agent } = await runningEmployee("chat-live-expiry");
    const live = await liveChat(cookie, employeeId);
    const closed = new Promise<number>((done) =>
      live.ws.addEventListener("close", (e) => done(e.code)),
    );
    const c = await newConversation(cookie, employeeId);
    await until(async () => live.frames.some((f) => f.type === "chat.conversation"), "heard");
    await employeeObject(employeeId).advanceClock(LIVE_VIEWER_MAX_MS);
    const heard = live.frames.length;
    const { reply } = await sent(cookie, employeeId, c.id, "Only for current members");
    expect(await closed).toBe(LIVE_REAUTH_CLOSE);
    expect(live.frames.slice(heard)).toEqual([]);
    // A new socket, admitted again, hears the chat.
    const again = await liveChat(cookie, employeeId);
    accept(agent, await agent.next("chat.send"));
    await until(
      async () => again.messages(reply.id).some((m) => m.status === "streaming"),
      "again",
    );
    agent.close();
  });

  it("fails a run that outlives its deadline with timed_out, and aborts it", async () => {
    const { cookie, employeeId, agent } = await runningEmployee("chat-deadline");
    const c = await newConversation(cookie, employeeId);
    const { reply } = await sent(cookie, employeeId, c.id, "Think hard");
    accept(agent, await agent.next("chat.send"));
    await until(
      async () => (await history(cookie, employeeId, c.id)).messages[1]?.status === "streaming",
      "taken",
    );
    const object = employeeObject(employeeId);
    await object.advanceClock(CHAT_RUN_DEADLINE_MS - 60_000);
    await runDurableObjectAlarm(object);
    expect((await history(cookie, employeeId, c.id)).messages[1]?.status).toBe("streaming");
    await object.advanceClock(60_001);
    expect(await runDurableObjectAlarm(object)).toBe(true);
    const h = await history(cookie, employeeId, c.id);
    expect(h.messages[1]).toMatchObject({
      id: reply.id,
      status: "failed",
      error: { code: "timed_out" },
    });
    expect((await agent.next("chat.abort")).runId).toBe(reply.id);
    agent.close();
  });

  it("says an error of the run in the reply, with a known code only", async () => {
    const { cookie, employeeId, agent } = await runningEmployee("chat-error");
    const c = await newConversation(cookie, employeeId);
    const { reply } = await sent(cookie, employeeId, c.id, "Hi");
    accept(agent, await agent.next("chat.send"));
    progress(agent, employeeId, reply.id, {
      state: "error",
      text: "",
      error: { code: "made_up", message: "The provider said no." },
    });
    await until(
      async () => (await history(cookie, employeeId, c.id)).messages[1]?.status === "failed",
      "failed",
    );
    expect((await history(cookie, employeeId, c.id)).messages[1]?.error).toEqual({
      code: "model_error",
      message: "The provider said no.",
    });
    agent.close();
  });
});
