// Channels (issue 17), end to end: the providers' stand-ins deliver real webhooks (Telegram's
// secret token, Slack's v0 signature, WhatsApp's X-Hub-Signature-256) and email goes through
// wrangler dev's local email handler to the edge started here; the edge stores each message,
// the real node agent hands it to the real OpenClaw image, whose model calls the development
// model answers, and the answer goes back through the provider's API (the stand-in records it)
// or into the development mailbox. One employee serves every case.
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ChannelKind, ChannelPut } from "../../edge/contract/channels.ts";
import { READY_TIMEOUT_MS } from "../../node-agent/runtime/docker/docker-runtime.ts";
import { removeContainersOnNetwork } from "../../node-agent/test/docker-cli.ts";
import { DEV_MODEL_PREFIX } from "../../testing/stand-ins/dev-model.ts";
import { OPENAI_KEY } from "../../testing/stand-ins/openai-stand-in.ts";
import {
  answers,
  eventually,
  header,
  slackPosted,
  storedTexts,
  telegramSent,
  textOf,
  waitStatus,
  whatsappSent,
  word,
} from "./channels-journey.ts";
import {
  type ChannelStandIns,
  type Delivered,
  rawEmail,
  sendEmail,
  startChannelStandIns,
} from "./channels-stand-ins.ts";
import {
  type Client,
  E2E_AUTHSERV_ID,
  root,
  type Stack,
  signIn,
  sleep,
  startStack,
} from "./stack.ts";

const NETWORK = "instantworker-channels-e2e";
const READY_MS = READY_TIMEOUT_MS.runc;
// The real OpenClaw answering through the development model: a few seconds, more on a busy CI.
const ANSWER_MS = 120_000;
// How long an answer that should never come is given to come anyway.
const SETTLE_MS = 8_000;

let stack: Stack;
let standIns: ChannelStandIns;
let owner: Client;
let ownerId: string;
let ada: string;
let waHook = "";
const ownerEmail = `owner-${Date.now()}@example.com`;
const BOT = `${Date.now() % 1_000_000}:AAE2eChannelsBotTokenForTheJourneys`;
const SLACK_TOKEN = `xoxb-e2e-${Date.now()}`;
const TEAM = { teamId: "T0E2E", teamName: "E2E Workspace", botUserId: "U0E2EBOT" };
const SLACK_OWNER = "U0OWNER";
const PHONE_ID = "109876543210";
const WA_TOKEN = `EAAG-e2e-${Date.now()}`;
const WA_SECRET = "e2e-meta-app-secret";
const TESS = { id: 4242, first_name: "Tess" };
const MALLORY = { id: 6666, first_name: "Mallory" };
// What each case sent, for the last case's "answered once" count.
const sentWords: { kind: ChannelKind; word: string }[] = [];
const timings: string[] = [];

// The edge's lines without the tests' own polling, for a failure to show.
const edgeLines = () =>
  stack.edgeLogs
    .join("")
    .split("\n")
    .filter((l) => !l.includes("/api/dev/mailbox") && !l.includes("/api/pairing-requests"));
const logs = () =>
  `agent:\n${stack.agent.logs.slice(-15).join("\n")}\nedge:\n${edgeLines().slice(-40).join("\n")}`;

beforeAll(async () => {
  const image = execFileSync("bash", [path.join(root, "infra/scripts/build-employee-image.sh")], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  }).trim();
  removeContainersOnNetwork(NETWORK);
  standIns = await startChannelStandIns({ model: "development" });
  stack = await startStack({
    channelStandIns: standIns.url,
    edgeVars: {
      LLM_UPSTREAM_URL: `${standIns.url}/openai/v1`,
      LLM_UPSTREAM_KEY: OPENAI_KEY,
      LLM_MODELS: JSON.stringify([
        { id: "fast", upstream: "mock-fast", inputEurPerMTok: 0.15, outputEurPerMTok: 0.6 },
        { id: "strong", upstream: "mock-strong", inputEurPerMTok: 2.5, outputEurPerMTok: 10 },
      ]),
    },
    agentEnv: {
      EMPLOYEE_IMAGE: image,
      EMPLOYEE_MEMORY_MB: "2048",
      EMPLOYEE_CPUS: "1",
      DOCKER_NETWORK: NETWORK,
      READY_TIMEOUT_MS: String(READY_MS),
      EMPLOYEE_RUNTIME: "runc",
    },
  });
  owner = await signIn(stack.edgeUrl, ownerEmail);
  ownerId = (await owner.call("GET /api/me")).user.id;
  const { employee } = await owner.call("POST /api/employees", {
    body: { name: "Ada", role: "customer-support", tone: "friendly", skills: [] },
  });
  ada = employee.id;
  const ms = await waitStatus(owner, ada, "running", READY_MS + 60_000, logs);
  timings.push(`hire → running: ${ms} ms`);
}, READY_MS + 300_000);

afterAll(async () => {
  if (stack) {
    mkdirSync(path.join(root, "test-results"), { recursive: true });
    writeFileSync(path.join(root, "test-results/channels-e2e-edge.log"), edgeLines().join("\n"));
  }
  if (timings.length) console.log(`channels e2e timings:\n  ${timings.join("\n  ")}`);
  await stack?.stop();
  await standIns?.close();
  removeContainersOnNetwork(NETWORK);
});

const put = (kind: ChannelKind, body: ChannelPut) =>
  owner.call("PUT /api/employees/:id/channels/:kind", { params: { id: ada, kind }, body });
const channelOf = async (kind: string) =>
  (await owner.call("GET /api/employees/:id/channels", { params: { id: ada } })).channels.find(
    (c) => c.kind === kind,
  );
const tgDeliver = (body: Record<string, unknown>) =>
  standIns.control<Delivered & { updateId: number; messageId: number }>("/telegram/_test/deliver", {
    token: BOT,
    ...body,
  });
const slackDeliver = (body: Record<string, unknown>) =>
  standIns.control<Delivered & { eventId: string; ts: string }>("/slack/_test/deliver", {
    token: SLACK_TOKEN,
    url: `${stack.edgeUrl}/channels/slack/events`,
    user: SLACK_OWNER,
    channelType: "channel",
    ...body,
  });
const waDeliver = (body: Record<string, unknown>) =>
  standIns.control<Delivered & { deliveryId: string; messageId: string }>(
    "/whatsapp/_test/deliver",
    { phoneNumberId: PHONE_ID, from: "4915112345678", name: "Wanda", ...body },
  );

describe("channels: each provider's message answered in that channel, once", {
  timeout: ANSWER_MS + 60_000,
}, () => {
  it("connects Telegram, Slack (OAuth) and WhatsApp; lists the email channel with its address", async () => {
    await standIns.control("/telegram/_test/bots", { token: BOT, username: "ada_e2e_bot" });
    const tg = await put("telegram", { botToken: BOT });
    expect(tg.channel.status).toBe("connected");
    expect(tg.channel.credential).not.toContain(BOT.split(":")[1]);
    const setWebhook = (
      await standIns.control<{ requests: { params: Record<string, unknown> }[] }>(
        `/telegram/_test/requests?token=${encodeURIComponent(BOT)}&method=setWebhook`,
      )
    ).requests.at(-1)?.params;
    expect(String(setWebhook?.url)).toMatch(new RegExp(`^${stack.edgeUrl}/channels/telegram/`));
    expect(String(setWebhook?.secret_token ?? "")).not.toBe("");

    await standIns.control("/slack/_test/workspaces", { token: SLACK_TOKEN, ...TEAM });
    // A member of the account: users.info gives their confirmed email.
    await standIns.control("/slack/_test/users", {
      token: SLACK_TOKEN,
      id: SLACK_OWNER,
      name: "Owner Person",
      email: ownerEmail,
      emailConfirmed: true,
    });
    const slack = await put("slack", { settings: { isDefault: true } });
    const authorize = new URL(slack.authorizeUrl ?? "");
    await standIns.control("/slack/_test/consent", {
      token: SLACK_TOKEN,
      state: authorize.searchParams.get("state"),
    });
    const consent = await fetch(authorize, { redirect: "manual" });
    const callback = consent.headers.get("location") ?? "";
    expect(callback).toMatch(new RegExp(`^${stack.edgeUrl}/channels/slack/oauth/callback`));
    const back = await fetch(callback, { headers: { cookie: owner.cookie }, redirect: "manual" });
    expect(back.status, await back.clone().text()).toBeLessThan(400);
    expect((await channelOf("slack"))?.status).toBe("connected");

    await standIns.control("/whatsapp/_test/numbers", {
      phoneNumberId: PHONE_ID,
      token: WA_TOKEN,
      displayPhoneNumber: "+49 151 000000",
      verifiedName: "Ada's Shop",
    });
    // "anyone may write" here: the other channels hold strangers for pairing.
    const wa = await put("whatsapp", {
      phoneNumberId: PHONE_ID,
      accessToken: WA_TOKEN,
      appSecret: WA_SECRET,
      settings: { policy: "anyone" },
    });
    expect(wa.channel.webhook?.url).toMatch(new RegExp(`^${stack.edgeUrl}/channels/whatsapp/`));
    const sub = await standIns.control<{ verified: boolean }>("/whatsapp/_test/subscribe", {
      phoneNumberId: PHONE_ID,
      url: wa.channel.webhook?.url,
      verifyToken: wa.channel.webhook?.verifyToken,
      appSecret: WA_SECRET,
    });
    expect(sub.verified).toBe(true);
    waHook = wa.channel.webhook?.url ?? "";

    const email = await channelOf("email");
    expect(email?.address).toMatch(/@employees\.localhost$/);
  });

  it("Telegram: a stranger's message opens a pairing request and gets no answer", async () => {
    const w = word("stranger");
    const d = await tgDeliver({ from: MALLORY, text: `hi, it's ${w}` });
    expect(d.status).toBe(200);
    const [request] = await eventually(
      "the pairing request",
      async () =>
        (await owner.call("GET /api/pairing-requests")).requests.filter((r) =>
          r.preview.includes(w),
        ),
      30_000,
      logs,
    );
    expect(request).toMatchObject({ employeeId: ada, kind: "telegram", status: "pending" });
    sentWords.push({ kind: "telegram", word: w });
  });

  it("Telegram: once an admin links the sender, the held message is answered quoting it; a redelivery once", async () => {
    const w = word("telegram");
    const started = Date.now();
    const d = await tgDeliver({ from: TESS, text: `hello ${w}` });
    expect(d.status).toBe(200);
    timings.push(`telegram webhook answered in ${d.ms} ms`);
    const again = await standIns.control<Delivered>("/telegram/_test/redeliver", {
      token: BOT,
      updateId: d.updateId,
    });
    expect(again.status).toBe(200);
    const [request] = await eventually(
      "Tess's pairing request",
      async () =>
        (await owner.call("GET /api/pairing-requests")).requests.filter((r) =>
          r.preview.includes(w),
        ),
      30_000,
      logs,
    );
    expect(request?.messageCount).toBe(1);
    await owner.call("POST /api/pairing-requests/:id", {
      params: { id: request?.id ?? "" },
      body: { decision: "allow", userId: ownerId },
    });
    const [answer] = await eventually(
      "Telegram's answer",
      async () => answers(await telegramSent(standIns, BOT), w),
      ANSWER_MS,
      logs,
    );
    timings.push(
      `telegram message → answer (pairing allowed in between): ${Date.now() - started} ms`,
    );
    expect(String(answer?.chat_id)).toBe(String(TESS.id));
    expect(answer?.reply_parameters).toMatchObject({ message_id: d.messageId });
    sentWords.push({ kind: "telegram", word: w });
  });

  it("Slack: a mention is answered in its thread under the employee's name and icon; a retry once", async () => {
    const w = word("slack");
    const started = Date.now();
    const d = await slackDeliver({ text: `Ada, ${w}` });
    expect(d.status).toBe(200);
    timings.push(`slack events answered in ${d.ms} ms`);
    const retry = await standIns.control<Delivered>("/slack/_test/redeliver", {
      token: SLACK_TOKEN,
      eventId: d.eventId,
    });
    expect(retry.status).toBe(200);
    const [answer] = await eventually(
      "Slack's answer",
      async () => answers(await slackPosted(standIns, SLACK_TOKEN), w),
      ANSWER_MS,
      logs,
    );
    timings.push(`slack message → answer: ${Date.now() - started} ms`);
    expect(answer).toMatchObject({ channel: "C0STANDIN1", thread_ts: d.ts, username: "Ada" });
    const icon = String(answer?.icon_url);
    expect(icon.startsWith(`${stack.edgeUrl}/channels/avatar/${ada}.png`), icon).toBe(true);
    const png = await fetch(icon);
    expect(png.status).toBe(200);
    expect(png.headers.get("content-type")).toBe("image/png");
    sentWords.push({ kind: "slack", word: w });
  });

  it("WhatsApp: answered with the message as context; a redelivery once", async () => {
    const w = word("whatsapp");
    const started = Date.now();
    const d = await waDeliver({ text: `hallo ${w}` });
    expect(d.status).toBe(200);
    timings.push(`whatsapp webhook answered in ${d.ms} ms`);
    const again = await standIns.control<Delivered>("/whatsapp/_test/redeliver", {
      phoneNumberId: PHONE_ID,
      deliveryId: d.deliveryId,
    });
    expect(again.status).toBe(200);
    const [answer] = await eventually(
      "WhatsApp's answer",
      async () => answers(await whatsappSent(standIns, PHONE_ID), w),
      ANSWER_MS,
      logs,
    );
    timings.push(`whatsapp message → answer: ${Date.now() - started} ms`);
    expect(answer).toMatchObject({ to: "4915112345678", context: { message_id: d.messageId } });
    sentWords.push({ kind: "whatsapp", word: w });
  });

  it("email: answered from the employee's address, threaded; the reply to it stays in that conversation", async () => {
    const address = (await channelOf("email"))?.address ?? "";
    const w = word("email");
    const messageId = `<${w}@example.com>`;
    const raw = rawEmail({
      from: `Owner Person <${ownerEmail}>`,
      to: address,
      subject: "Opening hours",
      messageId,
      // The development model echoes the last paragraph: the word goes there.
      text: `Hello Ada,\n\nwhen do you open? ${w}`,
      dmarcPassBy: E2E_AUTHSERV_ID,
    });
    const started = Date.now();
    const first = await sendEmail(stack.edgeUrl, ownerEmail, address, raw);
    expect(first, logs()).toMatchObject({ status: 200, outcome: "ok" });
    timings.push(`email handler answered in ${first.ms.toFixed(0)} ms`);
    // The sending server tries again (same Message-ID): one answer all the same.
    expect((await sendEmail(stack.edgeUrl, ownerEmail, address, raw)).status).toBe(200);
    const mailbox = async () =>
      (await owner.call("GET /api/dev/mailbox", { query: { email: ownerEmail } })).messages;
    const [reply] = await eventually(
      "the email answer",
      async () => (await mailbox()).filter((m) => m.from?.includes(address) && m.text?.includes(w)),
      ANSWER_MS,
      logs,
    );
    timings.push(`email → answer in the dev mailbox: ${Date.now() - started} ms`);
    expect(reply?.subject).toBe("Re: Opening hours");
    expect(header(reply?.headers, "In-Reply-To")).toBe(messageId);
    expect(header(reply?.headers, "References")).toContain(messageId);
    sentWords.push({ kind: "email", word: messageId });

    // The person answers the answer: a new Message-ID, the thread's root in References.
    const w2 = word("email-again");
    const followUp = rawEmail({
      from: `Owner Person <${ownerEmail}>`,
      to: address,
      subject: "Re: Opening hours",
      messageId: `<${w2}@example.com>`,
      inReplyTo: messageId,
      references: [messageId],
      text: `And ${w2}?`,
      dmarcPassBy: E2E_AUTHSERV_ID,
    });
    expect((await sendEmail(stack.edgeUrl, ownerEmail, address, followUp)).status).toBe(200);
    const [second] = await eventually(
      "the second email answer",
      async () =>
        (await mailbox()).filter((m) => m.from?.includes(address) && m.text?.includes(w2)),
      ANSWER_MS,
      logs,
    );
    expect(header(second?.headers, "References")).toContain(messageId);
    sentWords.push({ kind: "email", word: `<${w2}@example.com>` });
    const { conversations } = await owner.call("GET /api/employees/:id/conversations", {
      params: { id: ada },
    });
    const threads = conversations.filter((c) => c.source === "email");
    expect(threads).toHaveLength(1);
    expect(threads[0]?.messageCount).toBe(4);
  });

  it("a forged signature or secret is 401, and nothing is stored", async () => {
    const w = word("forged");
    const tg = await tgDeliver({ from: TESS, text: w, secretToken: "not-the-secret" });
    const slack = await slackDeliver({ text: `Ada, ${w}`, signingSecret: "not-the-secret" });
    // The stand-in signs with another secret only when it is also given the URL.
    const wa = await waDeliver({ text: w, url: waHook, appSecret: "not-the-app-secret" });
    expect([tg.status, slack.status, wa.status]).toEqual([401, 401, 401]);
    await sleep(SETTLE_MS);
    expect((await storedTexts(owner, ada)).filter((t) => t.includes(w))).toEqual([]);
    const requests = (await owner.call("GET /api/pairing-requests")).requests;
    expect(requests.filter((r) => r.preview.includes(w))).toEqual([]);
    expect(answers(await telegramSent(standIns, BOT), w)).toEqual([]);
    expect(answers(await slackPosted(standIns, SLACK_TOKEN), w)).toEqual([]);
    expect(answers(await whatsappSent(standIns, PHONE_ID), w)).toEqual([]);
  });

  it("while the employee is stopped the message waits, and is answered once after Start", {
    timeout: READY_MS + ANSWER_MS + 120_000,
  }, async () => {
    expect((await owner.api(`/api/employees/${ada}/stop`, { method: "POST" })).status).toBe(202);
    await waitStatus(owner, ada, "stopped", 60_000, logs);
    const w = word("stopped");
    const d = await tgDeliver({ from: TESS, text: `while you sleep ${w}` });
    expect(d.status).toBe(200);
    await sleep(SETTLE_MS);
    expect(answers(await telegramSent(standIns, BOT), w)).toEqual([]);
    expect((await storedTexts(owner, ada)).some((t) => t.includes(w))).toBe(true);
    const started = Date.now();
    expect((await owner.api(`/api/employees/${ada}/provision`, { method: "POST" })).status).toBe(
      202,
    );
    await waitStatus(owner, ada, "running", READY_MS + 60_000, logs);
    const [answer] = await eventually(
      "the answer after Start",
      async () => answers(await telegramSent(standIns, BOT), w),
      ANSWER_MS,
      logs,
    );
    timings.push(`Start → the waiting message answered: ${Date.now() - started} ms`);
    expect(answer?.reply_parameters).toMatchObject({ message_id: d.messageId });
    sentWords.push({ kind: "telegram", word: w });
  });

  it("answered each message exactly once, and the stranger never", async () => {
    await sleep(SETTLE_MS);
    const sent = {
      telegram: await telegramSent(standIns, BOT),
      slack: await slackPosted(standIns, SLACK_TOKEN),
      whatsapp: await whatsappSent(standIns, PHONE_ID),
    };
    const mails = (await owner.call("GET /api/dev/mailbox", { query: { email: ownerEmail } }))
      .messages;
    // An email answer quotes what came before it, so mail is counted by what it replies to.
    const count = ({ kind, word: w }: (typeof sentWords)[number]) =>
      kind === "email"
        ? mails.filter((m) => header(m.headers, "In-Reply-To") === w).length
        : answers(sent[kind], w).length;
    const stranger = sentWords[0]?.word ?? "";
    expect(Object.fromEntries(sentWords.map((s) => [s.word, count(s)]))).toEqual(
      Object.fromEntries(sentWords.map(({ word: w }) => [w, w === stranger ? 0 : 1])),
    );
    expect(sent.telegram.filter((p) => String(p.chat_id) === String(MALLORY.id))).toEqual([]);
    // Notices ("answering shortly") may have been sent too; they are not the model's answers.
    const notices = Object.values(sent)
      .flat()
      .filter((p) => !textOf(p).includes(DEV_MODEL_PREFIX));
    timings.push(`provider sends that were not the model's answer (notices): ${notices.length}`);
  });
});
