import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import type { LiveFrame } from "../contract/live.ts";
import { mintLlmKey } from "../objects/llm-keys.ts";
import { monthKey } from "../services/llm-usage.ts";
import { connectTelegram, receive, sentTexts, telegramMessage } from "./channels-inbox-helpers.ts";
import {
  accept,
  conversations,
  liveChat,
  progress,
  runningEmployee,
  until,
} from "./chat-helpers.ts";
import {
  budgetMails,
  budgetNotice,
  budgetTeam,
  ownSpent,
  setBudget,
  spendFor,
} from "./employee-budget-helpers.ts";
import { accountOf, errorOf, removeAllEmployees } from "./helpers.ts";
import { chat, settledSpend, user } from "./llm-helpers.ts";

// The LLM gateway refuses an employee past its own AI budget as it refuses a spent account
// (429 budget_exceeded), in the same admission call; the other employees go on. The owner hears
// of 80 % and 100 % once a month; a raise lets the employee work again with its next request.

afterEach(removeAllEmployees);

const CENT = 10_000; // micro-euros
const ask = (key: string, content = "hi") => chat(key, { model: "fast", messages: user(content) });

describe("the gateway and an employee's own budget", () => {
  it("refuses an employee past its own budget as a spent account is refused, and answers the others", async () => {
    const t = await budgetTeam("gw-refuse");
    expect((await ask(t.adaKey)).status).toBe(200);
    expect((await setBudget(t.owner.cookie, t.ada.id, 1)).status).toBe(200);
    await spendFor(t.accountId, t.ada.id, CENT);
    const res = await ask(t.adaKey);
    expect(res.status).toBe(429);
    const error = await errorOf(res);
    expect(error.code).toBe("budget_exceeded");
    // The text OpenClaw passes on as the failed answer says whose budget it is.
    expect(error.message).toMatch(/own AI budget of €0\.01/);
    expect(error.message).not.toMatch(/plan/);
    // Ada's fellow employee and the account's budget are untouched.
    expect((await ask(t.bobKey)).status).toBe(200);
    expect((await ask(t.bobKey)).status).toBe(200);
  });

  it("overshoots by at most the one request admitted last, however many come at once", async () => {
    const t = await budgetTeam("gw-concurrent");
    expect((await setBudget(t.owner.cookie, t.ada.id, 100)).status).toBe(200);
    await spendFor(t.accountId, t.ada.id, 100 * CENT - 1);
    const results = await Promise.all(Array.from({ length: 20 }, () => ask(t.adaKey, "tokens:50")));
    const statuses = results.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 429)).toHaveLength(19);
    await settledSpend(t.accountId);
    const spent = await ownSpent(t.accountId, t.ada.id);
    expect(spent).toBeGreaterThan(100 * CENT);
    // One small request's worth over (its prompt and 50 tokens at the stand-in's prices).
    expect(spent - 100 * CENT).toBeLessThan(CENT);
  });

  it("lets a spent employee work again at once when the owner raises or removes its budget", async () => {
    const t = await budgetTeam("gw-raise");
    expect((await setBudget(t.owner.cookie, t.ada.id, 1)).status).toBe(200);
    await spendFor(t.accountId, t.ada.id, CENT);
    // The gateway's isolate now holds Ada's key with the old budget in its cache (60 s).
    expect((await ask(t.adaKey)).status).toBe(429);
    expect((await conversations(t.member.cookie, t.ada.id)).readiness.state).toBe("budget_spent");
    expect((await conversations(t.member.cookie, t.bob.id)).readiness.state).not.toBe(
      "budget_spent",
    );
    expect((await setBudget(t.owner.cookie, t.ada.id, 500)).status).toBe(200);
    expect((await ask(t.adaKey)).status).toBe(200);
    expect((await conversations(t.member.cookie, t.ada.id)).readiness.state).not.toBe(
      "budget_spent",
    );
    expect((await setBudget(t.owner.cookie, t.ada.id, 1)).status).toBe(200);
    expect((await ask(t.adaKey)).status).toBe(429);
    expect((await setBudget(t.owner.cookie, t.ada.id, null)).status).toBe(200);
    expect((await ask(t.adaKey)).status).toBe(200);
  });

  it("uses the budget D1 has when the account's object was never told of it", async () => {
    const t = await budgetTeam("gw-d1");
    await env.DB.prepare("UPDATE employees SET budget_cents = 1 WHERE id = ?").bind(t.ada.id).run();
    const key = await mintLlmKey(env, t.ada.id, t.accountId, Date.now()); // looked up afresh
    await spendFor(t.accountId, t.ada.id, CENT);
    expect((await ask(key)).status).toBe(429);
    expect((await ask(t.bobKey)).status).toBe(200);
    // And its notices: the first refusal says it is spent.
    expect((await budgetMails(t.owner.email, 1)).map((m) => m.subject)).toEqual([
      "Ada has used all of its AI budget for this month",
    ]);
  });

  it("tells the owner of 80 % reached with a budget only D1 has", async () => {
    const t = await budgetTeam("gw-d1-warn");
    await env.DB.prepare("UPDATE employees SET budget_cents = 100 WHERE id = ?")
      .bind(t.ada.id)
      .run();
    const key = await mintLlmKey(env, t.ada.id, t.accountId, Date.now());
    await spendFor(t.accountId, t.ada.id, 80 * CENT - 1);
    expect((await ask(key, "tokens:50")).status).toBe(200);
    expect((await budgetMails(t.owner.email, 1)).map((m) => m.subject)).toEqual([
      "Ada has used 80 % of its AI budget",
    ]);
  });
});

describe("the notices at 80 % and 100 %", () => {
  it("emails the owner once at 80 %, and the live status frame says warning", async () => {
    const t = await budgetTeam("gw-warn");
    expect((await setBudget(t.owner.cookie, t.ada.id, 100)).status).toBe(200);
    const live = await liveChat(t.owner.cookie, t.ada.id);
    await spendFor(t.accountId, t.ada.id, 80 * CENT - 1);
    const results = await Promise.all(Array.from({ length: 8 }, () => ask(t.adaKey, "tokens:50")));
    expect(results.every((r) => r.status === 200)).toBe(true);
    const [mail, ...more] = await budgetMails(t.owner.email, 1);
    expect(mail?.subject).toBe("Ada has used 80 % of its AI budget");
    expect(mail?.link).toBe(`http://localhost:8787/employees/${t.ada.id}?tab=settings`);
    expect(mail?.text).toMatch(/of its own AI budget of €1\.00/);
    await until(
      () => live.frames.some((f) => status(f)?.budget?.state === "warning"),
      "a status frame with the warning",
    );
    expect(await budgetNotice(t.ada.id)).toBe(`${monthKey(Date.now())}:warning`);
    // More requests in the warning band send nothing more.
    expect((await ask(t.adaKey, "tokens:50")).status).toBe(200);
    await settledSpend(t.accountId);
    expect(more).toEqual([]);
    expect(await budgetMails(t.owner.email, 2, 300)).toHaveLength(1);
    live.ws.close();
  });

  it("emails the owner once at 100 %, from the request that crossed it or the first refusal", async () => {
    const t = await budgetTeam("gw-spent");
    expect((await setBudget(t.owner.cookie, t.ada.id, 100)).status).toBe(200);
    const live = await liveChat(t.owner.cookie, t.ada.id);
    await spendFor(t.accountId, t.ada.id, 100 * CENT - 1);
    const results = await Promise.all(Array.from({ length: 10 }, () => ask(t.adaKey, "tokens:50")));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    await settledSpend(t.accountId);
    const mails = await budgetMails(t.owner.email, 1);
    expect(mails.map((m) => m.subject)).toEqual([
      "Ada has used all of its AI budget for this month",
    ]);
    expect(await budgetNotice(t.ada.id)).toBe(`${monthKey(Date.now())}:spent`);
    await until(
      () =>
        live.frames.some((f) => status(f)?.budget?.state === "spent") &&
        live.frames.some(
          (f) => f.type === "chat.readiness" && f.readiness.state === "budget_spent",
        ),
      "the live frames of a spent budget",
    );
    live.ws.close();
    for (let i = 0; i < 3; i++) expect((await ask(t.adaKey)).status).toBe(429);
    expect(await budgetMails(t.owner.email, 2, 300)).toHaveLength(1);
    // A new budget is a new one to warn about: lowered below what was spent, its first refusal
    // tells the owner again.
    expect((await setBudget(t.owner.cookie, t.ada.id, 50)).status).toBe(200);
    expect(await budgetNotice(t.ada.id)).toBeNull();
    const refused = await Promise.all(Array.from({ length: 5 }, () => ask(t.adaKey)));
    expect(refused.every((r) => r.status === 429)).toBe(true);
    expect(await budgetMails(t.owner.email, 2)).toHaveLength(2);
    expect(await budgetMails(t.owner.email, 3, 300)).toHaveLength(2);
  });

  it("says in the channel conversation it is talked to in that its budget is spent, once", async () => {
    const { cookie, employeeId, agent } = await runningEmployee("gw-channel");
    const accountId = await accountOf(cookie);
    await env.DB.prepare(
      "UPDATE users SET name = 'Grace' WHERE id = (SELECT user_id FROM memberships WHERE account_id = ? AND role = 'owner')",
    )
      .bind(accountId)
      .run();
    const key = await mintLlmKey(env, employeeId, accountId, Date.now());
    const ch = await connectTelegram(employeeId, { policy: "anyone", noticeAfterSeconds: null });
    await receive(employeeId, ch.channelId, telegramMessage({ text: "draft the offer" }));
    const frame = await agent.next("chat.send");
    accept(agent, frame);
    progress(agent, employeeId, frame.runId, { state: "streaming", text: "Working" });
    // While it answers, the owner sets a budget it has already used: its next request is refused.
    await spendFor(accountId, employeeId, 2 * CENT);
    expect((await setBudget(cookie, employeeId, 1)).status).toBe(200);
    expect((await ask(key)).status).toBe(429);
    const line = "My budget for this month is spent; Grace can raise it.";
    await until(async () => (await sentTexts(ch.token)).includes(line), "the line in the channel");
    expect((await ask(key)).status).toBe(429);
    progress(agent, employeeId, frame.runId, {
      state: "error",
      text: "",
      error: { code: "budget_exceeded", message: "This employee has used its own AI budget" },
    });
    await until(async () => (await sentTexts(ch.token)).length >= 2, "the failed answer's apology");
    expect((await sentTexts(ch.token)).filter((t) => t === line)).toHaveLength(1);
  });
});

const status = (f: LiveFrame) => (f.type === "status" ? f.employee : null);
