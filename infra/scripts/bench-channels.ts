// `npm run bench` (from bench.ts), issue 17's figures: measures and prints; asserts nothing.
//  (4) inbound → chat.send at the agent: the provider's webhook (or the mail server's hand-over)
//      until the agent holds the message                                    (target p50 ≤ 60 ms)
//  (5) the webhook's answer: how long the provider waits for our 2xx        (target p95 ≤ 250 ms)
//  (6) final → provider call: the agent's last chat.progress until the answer reaches the provider
// wrangler dev (real workerd, D1, Durable Objects), a scripted agent holding a running employee,
// BENCH_CHANNEL_ROUNDS (40) Telegram webhooks from the stand-in and as many emails through
// wrangler's local email handler, one at a time (a burst would measure the queue, not the path).
// Times across processes are Date.now() on this one machine; an email's "provider call" is the
// dev mailbox's sentAt (the development mailer is where the mail goes without Resend).
import WebSocket from "ws";
import {
  type AgentFrame,
  type EdgeFrame,
  PROTOCOL_VERSION,
  parseEdgeFrame,
} from "../../edge/contract/protocol.ts";
import {
  type Delivered,
  rawEmail,
  sendEmail,
  startChannelStandIns,
} from "../tests/channels-stand-ins.ts";
import { signIn, sleep, startStack } from "../tests/stack.ts";

const ROUNDS = Number(process.env.BENCH_CHANNEL_ROUNDS ?? 40);
const WAIT_MS = 15_000;

const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ??
  Number.NaN;
const fmt = (xs: number[]) =>
  `p50 ${pct(xs, 50).toFixed(1)} ms, p95 ${pct(xs, 95).toFixed(1)} ms, n=${xs.length}`;

const CAPACITY = { slots: 4, memoryMb: 4096 };
type ChatSend = Extract<EdgeFrame, { type: "chat.send" }> & { at: number };

// A node agent reduced to the protocol: it runs what it is given at once and takes every
// message; chat.send frames are kept with the time they came.
class ScriptedAgent {
  private readonly ws: WebSocket;
  readonly chats: ChatSend[] = [];
  private provisioned: ((f: { id: string; employeeId: string }) => void) | undefined;
  private beat: ReturnType<typeof setInterval> | undefined;
  constructor(edgeUrl: string, token: string) {
    this.ws = new WebSocket(`${edgeUrl.replace("http", "ws")}/agent/connect`, {
      headers: { authorization: `Bearer ${token}` },
    });
    this.ws.on("message", (data) => {
      const at = Date.now();
      const parsed = parseEdgeFrame(data.toString());
      if (!parsed.ok)
        throw new Error(`the edge sent a frame outside the protocol: ${parsed.error}`);
      const f = parsed.frame;
      if (f.type === "chat.send") {
        this.chats.push({ ...f, at });
        this.send({ type: "result", id: f.id, ok: true });
      } else if (f.type === "container.provision") this.provisioned?.(f);
      else if (f.type === "welcome")
        // Heartbeats keep the node alive (and its employee running) however long the rounds take.
        this.beat = setInterval(
          () => this.send({ type: "heartbeat", capacity: CAPACITY, running: 1 }),
          f.heartbeatIntervalMs,
        );
      else if ("employeeId" in f) this.send({ type: "result", id: f.id, ok: true });
    });
  }
  async open(): Promise<void> {
    await new Promise((r) => this.ws.once("open", r));
    this.send({
      type: "hello",
      protocol: PROTOCOL_VERSION,
      agentVersion: "bench",
      capacity: CAPACITY,
      inventory: [],
    });
  }
  provision(): Promise<{ id: string; employeeId: string }> {
    return new Promise((resolve) => {
      this.provisioned = resolve;
    });
  }
  run(employeeId: string, commandId: string): void {
    const containerId = `bench-${employeeId.slice(0, 8)}`;
    this.send({ type: "container.created", employeeId, containerId });
    this.send({ type: "container.started", employeeId, containerId });
    this.send({
      type: "result",
      id: commandId,
      ok: true,
      data: { employeeId, containerId, state: "running" },
    });
  }
  /** The answer, whole: what the real agent sends when OpenClaw's run ends. */
  answer(chat: ChatSend, text: string): number {
    const at = Date.now();
    this.send({
      type: "chat.progress",
      employeeId: chat.employeeId,
      containerId: null,
      runId: chat.runId,
      state: "final",
      text,
      truncated: false,
      tools: [],
    });
    return at;
  }
  send(frame: AgentFrame): void {
    this.ws.send(JSON.stringify(frame));
  }
  close(): void {
    clearInterval(this.beat);
    this.ws.close();
  }
}

async function until<T>(what: string, check: () => T | undefined | Promise<T | undefined>) {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const found = await check();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`bench: no ${what} within ${WAIT_MS} ms`);
    await sleep(2);
  }
}

const standIns = await startChannelStandIns();
const stack = await startStack({ startAgent: false, channelStandIns: standIns.url });
try {
  const owner = await signIn(stack.edgeUrl, `bench-channels-${Date.now()}@example.com`);
  const agent = new ScriptedAgent(stack.edgeUrl, stack.nodeToken);
  await agent.open();
  const provision = agent.provision();
  const { employee } = await owner.call("POST /api/employees", {
    body: { name: "Bench", role: "customer-support", tone: "concise", skills: [] },
  });
  const id = employee.id;
  agent.run(id, (await provision).id);
  await until("running employee", async () => {
    const { employee: e } = await owner.call("GET /api/employees/:id", { params: { id } });
    return e.status === "running" ? e : undefined;
  });

  // Anyone may write (each round is a new sender: the per-sender limit is not what is measured);
  // no "answering shortly" notice to tell apart from the answer.
  const settings = { policy: "anyone" as const, noticeAfterSeconds: null };
  const bot = `${Date.now() % 1_000_000}:AABenchChannelsTelegramBotToken`;
  await standIns.control("/telegram/_test/bots", { token: bot, username: "bench_bot" });
  await owner.call("PUT /api/employees/:id/channels/:kind", {
    params: { id, kind: "telegram" },
    body: { botToken: bot, settings },
  });
  const { channel: mail } = await owner.call("PUT /api/employees/:id/channels/:kind", {
    params: { id, kind: "email" },
    body: { settings },
  });
  const address = mail.address ?? "";

  const inbound = { telegram: [] as number[], email: [] as number[] };
  const answer = { telegram: [] as number[], email: [] as number[] };
  const outbound = { telegram: [] as number[], email: [] as number[] };
  const received = (marker: string) =>
    until(`chat.send of ${marker}`, () => agent.chats.find((c) => c.text.includes(marker)));

  for (let i = 0; i < ROUNDS; i++) {
    const marker = `bench-tg-${i}-${Date.now().toString(36)}`;
    const t0 = Date.now();
    const delivery = await standIns.control<Delivered>("/telegram/_test/deliver", {
      token: bot,
      from: { id: 100_000 + i, first_name: `Bench${i}` },
      text: marker,
    });
    if (delivery.status !== 200) throw new Error(`webhook answered ${JSON.stringify(delivery)}`);
    answer.telegram.push(delivery.ms);
    const chat = await received(marker);
    inbound.telegram.push(chat.at - t0);
    const calls = standIns.calls.length;
    const final = agent.answer(chat, `answer to ${marker}`);
    const call = await until("sendMessage", () =>
      standIns.calls.slice(calls).find((c) => c.path.endsWith("/sendMessage")),
    );
    outbound.telegram.push(call.at - final);
  }

  for (let i = 0; i < ROUNDS; i++) {
    const marker = `bench-mail-${i}-${Date.now().toString(36)}`;
    const from = `bench-sender-${i}@example.com`;
    const raw = rawEmail({
      from,
      to: address,
      subject: `Question ${i}`,
      messageId: `<${marker}@example.com>`,
      text: marker,
    });
    const t0 = Date.now();
    const handed = await sendEmail(stack.edgeUrl, from, address, raw);
    if (handed.status !== 200) throw new Error(`email handler answered ${JSON.stringify(handed)}`);
    answer.email.push(handed.ms);
    const chat = await received(marker);
    inbound.email.push(chat.at - t0);
    const final = agent.answer(chat, `answer to ${marker}`);
    const mailed = await until("the answer in the dev mailbox", async () => {
      const box = await owner.call("GET /api/dev/mailbox", { query: { email: from } });
      return box.messages.find((m) => m.from?.includes(address));
    });
    outbound.email.push(Date.parse(mailed.sentAt) - final);
  }
  agent.close();

  console.log(
    `\nInstantWorker channels benchmark (loopback; wrangler dev; scripted agent; ${ROUNDS} Telegram webhooks and ${ROUNDS} emails, one at a time)`,
  );
  console.log(
    `(4) inbound → chat.send at the agent, Telegram:   ${fmt(inbound.telegram)}   (target p50 ≤ 60 ms)`,
  );
  console.log(`    inbound → chat.send at the agent, email:      ${fmt(inbound.email)}`);
  console.log(
    `(5) webhook answer, Telegram:                      ${fmt(answer.telegram)}   (target p95 ≤ 250 ms)`,
  );
  console.log(`    email handler answer (local handler):         ${fmt(answer.email)}`);
  console.log(`(6) final → provider call, Telegram sendMessage:  ${fmt(outbound.telegram)}`);
  console.log(`    final → the mailer, email (dev mailbox):      ${fmt(outbound.email)}`);
} finally {
  await stack.stop();
  await standIns.close();
}
