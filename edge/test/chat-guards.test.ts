import { env, exports } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import { monthKey } from "../billing/plans.ts";
import { MAX_ATTACHMENT_BYTES, MAX_MESSAGE_CHARS } from "../contract/chat.ts";
import {
  MAX_UNSENT_ATTACHMENTS,
  UNSENT_ATTACHMENT_TTL_MS,
} from "../objects/inbox/inbox-delivery.ts";
import { budgetStub } from "../objects/stubs.ts";
import { CHAT_VIEW_WINDOW_MS } from "../services/access.ts";
import {
  accept,
  chatPath,
  history,
  newConversation,
  progress,
  runningEmployee,
  send,
  sent,
  until,
} from "./chat-helpers.ts";
import { employeeObject } from "./clocks.ts";
import { createNode, FakeAgent } from "./fake-agent.ts";
import {
  accountOf,
  api,
  errorOf,
  hire,
  ORIGIN,
  removeAllEmployees,
  signIn,
  uniqueEmail,
} from "./helpers.ts";

afterEach(removeAllEmployees);

// What the chat refuses: other accounts, hostile input, a node asking for what is not its own,
// and the trial's used-up chat sessions. Each refusal is checked to have changed nothing.

function upload(
  cookie: string,
  employeeId: string,
  name: string,
  body: string | Uint8Array<ArrayBuffer>,
) {
  const form = new FormData();
  form.append("file", new Blob([body]), name);
  return exports.default.fetch(
    new Request(new URL(chatPath(employeeId, "/attachments"), ORIGIN), {
      method: "POST",
      body: form,
      headers: { cookie },
    }),
  );
}

const fetchAsNode = (token: string, id: string) =>
  exports.default.fetch(
    new Request(new URL(`/agent/chat-attachments/${id}`, ORIGIN), {
      headers: { authorization: `Bearer ${token}` },
    }),
  );

describe("chat attachments", () => {
  it("lands in the message, the employee's node can fetch it, another node cannot", async () => {
    const { cookie, employeeId, agent, node } = await runningEmployee("chat-files");
    const res = await upload(cookie, employeeId, "notes/../report.md", "# Report\nAll good.");
    expect(res.status).toBe(201);
    const { attachment } = (await res.json()) as {
      attachment: { id: string; name: string; size: number; path: string | null };
    };
    expect(attachment).toMatchObject({ name: "report.md", size: 18, path: null });
    // Not sent with a message yet: not even its own node gets it.
    expect((await fetchAsNode(node.token, attachment.id)).status).toBe(404);

    const c = await newConversation(cookie, employeeId);
    const { message, reply } = await sent(cookie, employeeId, c.id, "See the file", [
      attachment.id,
    ]);
    expect(message.attachments.map((a) => a.id)).toEqual([attachment.id]);
    const frame = await agent.next("chat.send");
    expect(frame.attachments).toEqual([
      {
        id: attachment.id,
        name: "report.md",
        size: 18,
        sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
        contentType: "text/markdown; charset=utf-8",
      },
    ]);
    const got = await fetchAsNode(node.token, attachment.id);
    expect(got.status).toBe(200);
    expect(got.headers.get("content-disposition")).toBe("attachment");
    expect(got.headers.get("x-content-type-options")).toBe("nosniff");
    expect(got.headers.get("content-security-policy")).toBe("sandbox");
    expect(await got.text()).toBe("# Report\nAll good.");
    const other = await createNode();
    const theirs = await fetchAsNode(other.token, attachment.id);
    expect(theirs.status).toBe(404);
    expect((await errorOf(theirs)).code).toBe("not_found");
    expect((await fetchAsNode("iwn_not-a-token", attachment.id)).status).toBe(401);

    // Taken: it is in the employee's files, and cannot be sent a second time.
    accept(agent, frame);
    await until(
      async () => (await history(cookie, employeeId, c.id)).messages[0]?.status === "done",
      "taken",
    );
    const h = await history(cookie, employeeId, c.id);
    expect(h.messages[0]?.attachments[0]?.path).toBe("uploads/report.md");
    const again = await send(cookie, employeeId, c.id, {
      text: "again",
      attachmentIds: [attachment.id],
    });
    expect(again.status).toBe(400);
    progress(agent, employeeId, reply.id, { state: "final", text: "Read it." });
    agent.close();
  });

  it("keeps only so many unsent uploads, and forgets (and deletes) one unsent for a day", async () => {
    const cookie = await signIn(uniqueEmail("chat-unsent"));
    const { id } = await hire(cookie);
    const accountId = await accountOf(cookie);
    const stored = async () =>
      (await env.KNOWLEDGE.list({ prefix: `knowledge/${accountId}/chat/` })).objects.length;
    for (let i = 0; i < MAX_UNSENT_ATTACHMENTS; i++)
      expect((await upload(cookie, id, `f${i}.txt`, `file ${i}`)).status).toBe(201);
    const refused = await upload(cookie, id, "one-more.txt", "x");
    expect(refused.status).toBe(409);
    expect((await errorOf(refused)).code).toBe("invalid_state");
    expect(await stored()).toBe(MAX_UNSENT_ATTACHMENTS);
    // A day later the unsent ones are forgotten, their bytes with them; a new upload is taken.
    await employeeObject(id).advanceClock(UNSENT_ATTACHMENT_TTL_MS);
    expect((await upload(cookie, id, "later.txt", "later")).status).toBe(201);
    expect(await stored()).toBe(1);
  });

  it("refuses an empty, oversized, unnamed or second file, and stores none", async () => {
    const cookie = await signIn(uniqueEmail("chat-bad-files"));
    const { id } = await hire(cookie);
    const big = new Uint8Array(MAX_ATTACHMENT_BYTES + 1);
    for (const [name, body, status] of [
      ["empty.txt", "", 400],
      ["big.txt", big, 413],
      ["..", "x", 400],
      ["virus.exe", "x", 400],
    ] as const) {
      const res = await upload(cookie, id, name, body);
      expect(`${name} ${res.status}`).toBe(`${name} ${status}`);
      await errorOf(res);
    }
    const two = new FormData();
    two.append("file", new Blob(["a"]), "a.txt");
    two.append("file", new Blob(["b"]), "b.txt");
    const res = await exports.default.fetch(
      new Request(new URL(chatPath(id, "/attachments"), ORIGIN), {
        method: "POST",
        body: two,
        headers: { cookie },
      }),
    );
    expect(res.status).toBe(400);
    const accountId = await accountOf(cookie);
    const listed = await env.KNOWLEDGE.list({ prefix: `knowledge/${accountId}/chat/` });
    expect(listed.objects).toEqual([]);
  });
});

describe("chat refusals", () => {
  it("answers another account's employee and conversations 404, and changes nothing", async () => {
    const owner = await signIn(uniqueEmail("chat-owner"));
    const stranger = await signIn(uniqueEmail("chat-stranger"));
    const { id } = await hire(owner);
    const c = await newConversation(owner, id);
    const mine = await hire(stranger);
    const attempts = [
      api(chatPath(id, "/conversations"), { cookie: stranger }),
      api(chatPath(id, "/conversations"), { method: "POST", cookie: stranger, json: {} }),
      api(chatPath(id, `/conversations/${c.id}/messages`), { cookie: stranger }),
      send(stranger, id, c.id, { text: "hello" }),
      api(chatPath(id, `/conversations/${c.id}/stop`), { method: "POST", cookie: stranger }),
      upload(stranger, id, "a.txt", "a"),
      // Their own employee, the owner's conversation: no such conversation there.
      api(chatPath(mine.id, `/conversations/${c.id}/messages`), { cookie: stranger }),
      send(stranger, mine.id, c.id, { text: "hello" }),
    ];
    for (const res of await Promise.all(attempts)) {
      expect(res.status).toBe(404);
      expect((await errorOf(res)).code).toBe("not_found");
    }
    const h = await history(owner, id, c.id);
    expect(h.messages).toEqual([]);
  });

  it("answers hostile input with a 4xx JSON error and stores nothing", async () => {
    const cookie = await signIn(uniqueEmail("chat-hostile"));
    const { id } = await hire(cookie);
    const c = await newConversation(cookie, id);
    const raw = (body: string) =>
      api(chatPath(id, `/conversations/${c.id}/messages`), {
        method: "POST",
        cookie,
        body,
        headers: { "content-type": "application/json" },
      });
    const cases: [string, Promise<Response>, number][] = [
      ["too long", send(cookie, id, c.id, { text: "x".repeat(MAX_MESSAGE_CHARS + 1) }), 400],
      ["empty", send(cookie, id, c.id, { text: "   " }), 400],
      ["NUL", send(cookie, id, c.id, { text: "a\u0000b" }), 400],
      ["no text", send(cookie, id, c.id, {}), 400],
      ["extra field", send(cookie, id, c.id, { text: "hi", role: "employee" }), 400],
      [
        "too many files",
        send(cookie, id, c.id, { text: "hi", attachmentIds: ["a", "b", "c", "d", "e", "f"] }),
        400,
      ],
      ["unknown file", send(cookie, id, c.id, { text: "hi", attachmentIds: ["nope"] }), 400],
      ["bad JSON", raw("{not json"), 400],
      ["bad conversation id", send(cookie, id, "not-a-uuid", { text: "hi" }), 404],
      ["unknown conversation", send(cookie, id, crypto.randomUUID(), { text: "hi" }), 404],
      [
        "title too long",
        api(chatPath(id, "/conversations"), {
          method: "POST",
          cookie,
          json: { title: "t".repeat(81) },
        }),
        400,
      ],
      [
        "bad page cursor",
        api(chatPath(id, `/conversations/${c.id}/messages?before=${crypto.randomUUID()}`), {
          cookie,
        }),
        404,
      ],
      ["bad employee id", api(chatPath("nope", "/conversations"), { cookie }), 404],
    ];
    for (const [what, pending, status] of cases) {
      const res = await pending;
      expect(`${what}: ${res.status}`).toBe(`${what}: ${status}`);
      await errorOf(res);
    }
    const h = await history(cookie, id, c.id);
    expect(h.messages).toEqual([]);
    expect(h.conversation.title).toBe("");
  });

  it("rejects chat progress about an employee that is not on the agent's node", async () => {
    const { cookie, employeeId, agent } = await runningEmployee("chat-foreign-progress");
    const c = await newConversation(cookie, employeeId);
    const { reply } = await sent(cookie, employeeId, c.id, "Hi");
    await agent.next("chat.send");
    const other = await FakeAgent.connect((await createNode()).token, { slots: 0 });
    progress(other, employeeId, reply.id, { state: "final", text: "Forged answer" });
    expect((await other.next("rejected")).reason).toMatch(/not placed on this node/);
    // And a run id the employee never made changes nothing either.
    progress(agent, employeeId, crypto.randomUUID(), { state: "final", text: "Stray" });
    await new Promise((r) => setTimeout(r, 150));
    const h = await history(cookie, employeeId, c.id);
    expect(h.messages.map((m) => [m.status, m.text])).toEqual([
      ["queued", "Hi"],
      ["sending", ""],
    ]);
    other.close();
    agent.close();
  });

  it("counts a message as one of the trial's chat sessions: 402 once they are used", async () => {
    const cookie = await signIn(uniqueEmail("chat-trial"));
    const accountId = await accountOf(cookie);
    const { id } = await hire(cookie);
    const c = await newConversation(cookie, id);
    // Two sessions used elsewhere; this one is the third, and its next message is in the same window.
    for (let i = 0; i < 2; i++)
      await env.DB.prepare(
        "INSERT INTO chat_views (id, account_id, employee_id, opened_at) VALUES (?, ?, ?, ?)",
      )
        .bind(crypto.randomUUID(), accountId, crypto.randomUUID(), Date.now())
        .run();
    await sent(cookie, id, c.id, "first");
    await sent(cookie, id, c.id, "second, same session");
    const views = await env.DB.prepare("SELECT count(*) AS n FROM chat_views WHERE account_id = ?")
      .bind(accountId)
      .first<{ n: number }>();
    expect(views?.n).toBe(3);

    // The session's window passes: the next message would open a fourth session.
    await env.DB.prepare("UPDATE chat_views SET opened_at = ? WHERE account_id = ?")
      .bind(Date.now() - CHAT_VIEW_WINDOW_MS - 1, accountId)
      .run();
    const res = await send(cookie, id, c.id, { text: "hello again" });
    expect(res.status).toBe(402);
    expect((await errorOf(res)).code).toBe("chat_views_exhausted");
    expect((await history(cookie, id, c.id)).messages.map((m) => m.text)).toEqual([
      "first",
      "",
      "second, same session",
      "",
    ]);
  });

  it("says honestly when no model is connected or the budget is spent", async () => {
    const cookie = await signIn(uniqueEmail("chat-readiness"));
    const accountId = await accountOf(cookie);
    const { id } = await hire(cookie);
    const readiness = async (envOverride?: Partial<Cloudflare.Env>) => {
      const res = await api(chatPath(id, "/conversations"), { cookie, envOverride });
      return ((await res.json()) as { readiness: { state: string } }).readiness.state;
    };
    // Waiting for a server to start on: starting.
    expect(await readiness()).toBe("starting");
    expect(await readiness({ LLM_UPSTREAM_KEY: "" })).toBe("no_model");
    await budgetStub(env, accountId).settle(monthKey(Date.now()), "test", 10_000 * 1_000_000);
    expect(await readiness()).toBe("budget_spent");
  });
});
