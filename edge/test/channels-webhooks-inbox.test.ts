import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { messageEvent, signedSlackRequest } from "../../testing/stand-ins/slack-event-delivery.ts";
import {
  makeMessageUpdate,
  newTelegramUpdates,
  telegramWebhookRequest,
} from "../../testing/stand-ins/telegram-webhook-delivery.ts";
import {
  messageWebhook,
  signedWhatsAppRequest,
  WHATSAPP_APP_SECRET,
} from "../../testing/stand-ins/whatsapp-webhook-delivery.ts";
import { channelWebhookPath } from "../channels/channel-view.ts";
import { putSlackInstallation } from "../store/slack-installations.ts";
import { randomToken } from "./channels-test-helpers.ts";
import { channelOf, ORIGIN, percentile, seal, timed, worker } from "./channels-webhook-fixtures.ts";
import { runningEmployee } from "./chat-helpers.ts";
import type { FakeAgent } from "./fake-agent.ts";
import { removeAllEmployees } from "./helpers.ts";

// The webhooks through the Worker into a running employee's real inbox (EmployeeDO
// channelReceive, package C), with the scripted node: a provider's redelivery is stored once and
// reaches the agent once, a forged request before it stored nothing, and the answer times each
// provider sees (printed; Slack gives up after 3 s).

const SECRET = randomToken(40);
let employeeId = "";
let accountId = "";
let agent: FakeAgent;
const team = {
  teamId: `T${randomToken(8)
    .toUpperCase()
    .replace(/[^A-Z0-9]/g, "Q")}`,
  botUserId: "U0BOTE2E",
};
const phoneNumberId = String(20_000_000 + Math.floor(Math.random() * 1e7));
const urls = { telegram: "", whatsapp: "", slack: `${ORIGIN}/channels/slack/events` };

let messageId = 1;
function update(text: string) {
  const updates = newTelegramUpdates();
  const made = makeMessageUpdate(updates, messageId++, {
    text,
    from: { id: 777_001, first_name: "Ada" },
  });
  if (typeof made === "string") throw new Error(made);
  return updates.made.get(made.updateId);
}

beforeAll(async () => {
  const running = await runningEmployee("ch-hooks-inbox");
  employeeId = running.employeeId;
  agent = running.agent;
  const row = await env.DB.prepare("SELECT account_id FROM employees WHERE id = ?1")
    .bind(employeeId)
    .first<{ account_id: string }>();
  accountId = row?.account_id ?? "";
  // Anyone may write, so a stranger's message is delivered rather than held for pairing.
  const settings = { policy: "anyone" as const };
  const base = { accountId, employeeId, settings };
  const telegram = await channelOf({
    ...base,
    kind: "telegram",
    externalId: `bot-${crypto.randomUUID()}`,
    secret: SECRET,
  });
  const whatsapp = await channelOf({
    ...base,
    kind: "whatsapp",
    externalId: phoneNumberId,
    secret: { appSecret: WHATSAPP_APP_SECRET, verifyToken: "v" },
  });
  await channelOf({
    ...base,
    kind: "slack",
    externalId: team.teamId,
    settings: { ...settings, isDefault: true },
  });
  await putSlackInstallation(
    env.DB,
    {
      teamId: team.teamId,
      accountId,
      botTokenSealed: await seal(accountId, "xoxb-e2e"),
      botUserId: team.botUserId,
      appId: null,
      enterpriseId: null,
      teamName: "E2E",
      installedBy: null,
    },
    Date.now(),
  );
  urls.telegram = `${ORIGIN}${channelWebhookPath("telegram", telegram.id)}`;
  urls.whatsapp = `${ORIGIN}${channelWebhookPath("whatsapp", whatsapp.id)}`;
});

afterAll(removeAllEmployees);

describe("webhooks into the employee's inbox", () => {
  it("Telegram: a forged update stores nothing; the same update twice is one message and one chat.send", async () => {
    const u = update("Please summarise the meeting");
    const forged = await worker(telegramWebhookRequest(urls.telegram, u, "forged"));
    expect(forged.status).toBe(401);
    const first = await worker(telegramWebhookRequest(urls.telegram, u, SECRET));
    const again = await worker(telegramWebhookRequest(urls.telegram, u, SECRET));
    // Stored by the genuine request, so the forged one before it was not.
    expect([first.status, await first.json()]).toEqual([
      200,
      { ok: true, stored: 1, duplicates: 0 },
    ]);
    expect([again.status, await again.json()]).toEqual([
      200,
      { ok: true, stored: 0, duplicates: 1 },
    ]);
    const send = await agent.next("chat.send", 10_000);
    expect(send.text).toContain("Please summarise the meeting");
    await expect(agent.next("chat.send", 1500)).rejects.toThrow(/no chat.send/);
  });

  it("Slack and WhatsApp: a redelivery is a duplicate", async () => {
    const dm = messageEvent(team, { url: urls.slack, user: "U0ADA", text: "hello there" });
    if (typeof dm === "string") throw new Error(dm);
    const answers = [];
    for (let i = 0; i < 2; i++) {
      const request = await signedSlackRequest(urls.slack, dm.body);
      if (i > 0) request.headers.set("x-slack-retry-num", "1");
      answers.push(await (await worker(request)).json());
    }
    expect(answers).toEqual([
      { ok: true, stored: 1, duplicates: 0 },
      { ok: true, stored: 0, duplicates: 1 },
    ]);
    const sent = messageWebhook(
      { phoneNumberId, displayPhoneNumber: "+1 555", wabaId: "1" },
      { from: "4915112345678", text: "Hallo" },
    );
    if (typeof sent === "string") throw new Error(sent);
    const wa = [];
    for (let i = 0; i < 2; i++)
      wa.push(await (await worker(await signedWhatsAppRequest(urls.whatsapp, sent.body))).json());
    expect(wa).toMatchObject([{ stored: 1 }, { duplicates: 1 }]);
  });

  it("answers each provider well within its deadline (answer times printed)", async () => {
    const N = 20;
    const times: Record<string, number[]> = { telegram: [], slack: [], whatsapp: [] };
    for (let i = 0; i < N; i++) {
      const t = await timed(() =>
        worker(telegramWebhookRequest(urls.telegram, update(`t${i}`), SECRET)),
      );
      const ev = messageEvent(team, { url: urls.slack, user: "U0ADA", text: `s${i}` });
      if (typeof ev === "string") throw new Error(ev);
      const s = await timed(async () => worker(await signedSlackRequest(urls.slack, ev.body)));
      const wa = messageWebhook(
        { phoneNumberId, displayPhoneNumber: "+1 555", wabaId: "1" },
        { from: "4915112345678", text: `w${i}` },
      );
      if (typeof wa === "string") throw new Error(wa);
      const w = await timed(async () =>
        worker(await signedWhatsAppRequest(urls.whatsapp, wa.body)),
      );
      for (const [kind, r] of [
        ["telegram", t],
        ["slack", s],
        ["whatsapp", w],
      ] as const) {
        expect(r.value.status, kind).toBe(200);
        times[kind]?.push(r.ms);
      }
    }
    for (const [kind, ms] of Object.entries(times)) {
      const line = `p50 ${percentile(ms, 50).toFixed(1)} ms, p95 ${percentile(ms, 95).toFixed(1)} ms, max ${Math.max(...ms).toFixed(1)} ms`;
      console.log(`webhook answer (${kind}, ${N} new messages, stored before answering): ${line}`);
      expect(Math.max(...ms), kind).toBeLessThan(3000);
    }
  });
});
