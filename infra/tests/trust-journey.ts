// The trust journeys' stack and what they read back (trust-e2e.test.ts, bench-trust.ts): the
// real employee image and node agent, the edge under wrangler dev, the development model behind
// the LLM gateway (priced, so its usage costs something), the account's live socket, the web chat
// driven through the API, and the ledger's sums.
import { execFileSync } from "node:child_process";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import WebSocket from "ws";
import { type AccountLiveFrame, parseAccountLiveFrame } from "../../edge/contract/account-live.ts";
import type { ApprovalView } from "../../edge/contract/approvals.ts";
import type { ChatMessage } from "../../edge/contract/chat.ts";
import type { ReportFigures, WorkEntryView } from "../../edge/contract/ledger.ts";
import { READY_TIMEOUT_MS } from "../../node-agent/runtime/docker/docker-runtime.ts";
import { docker, removeContainersOnNetwork } from "../../node-agent/test/docker-cli.ts";
import { handleOpenAi, OPENAI_KEY } from "../../testing/stand-ins/openai-stand-in.ts";
import { type Client, root, type Stack, signIn, sleep, startStack } from "./stack.ts";

export const READY_MS = READY_TIMEOUT_MS.runc;
// The real OpenClaw answering through the development model: seconds; more on a busy machine.
export const ANSWER_MS = 120_000;
/** How long the agent lets an approval wait in these tests before it is denied as expired. */
export const TEST_APPROVAL_TIMEOUT_MS = 25_000;

export interface TrustStack {
  stack: Stack;
  owner: Client;
  ownerEmail: string;
  /** The employee the journeys use (a researcher, hired in "ask" autonomy, running). */
  employeeId: string;
  /** The account's live socket, as the owner's app holds it. */
  live: AccountLive;
  /** Milliseconds from hire to running. */
  hireMs: number;
  logs(): string;
  stop(): Promise<void>;
}

/** Everything up to a running employee in "ask" (a new employee's default). */
export async function startTrustStack(
  network: string,
  opts: { live?: boolean } = {},
): Promise<TrustStack> {
  const image = execFileSync("bash", [path.join(root, "infra/scripts/build-employee-image.sh")], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  }).trim();
  removeContainersOnNetwork(network);
  const llm: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => {
      body += c.toString();
    });
    req.on("end", async () => {
      const url = new URL(req.url ?? "/", "http://stand-in");
      if (!(await handleOpenAi(req, res, url, body, "development"))) res.writeHead(404).end();
    });
  });
  await new Promise<void>((r) => llm.listen(0, "127.0.0.1", r));
  const stack = await startStack({
    edgeVars: {
      LLM_UPSTREAM_URL: `http://127.0.0.1:${(llm.address() as AddressInfo).port}/openai/v1`,
      LLM_UPSTREAM_KEY: OPENAI_KEY,
      LLM_MODELS: JSON.stringify([
        { id: "fast", upstream: "mock-fast", inputEurPerMTok: 0.15, outputEurPerMTok: 0.6 },
        { id: "strong", upstream: "mock-strong", inputEurPerMTok: 2.5, outputEurPerMTok: 10 },
      ]),
      // A 6-field `*/10 * * * * *` (every ten seconds) is allowed here.
      SCHEDULE_MIN_INTERVAL_SECONDS: "5",
    },
    agentEnv: {
      EMPLOYEE_IMAGE: image,
      EMPLOYEE_MEMORY_MB: "2048",
      EMPLOYEE_CPUS: "1",
      DOCKER_NETWORK: network,
      READY_TIMEOUT_MS: String(READY_MS),
      EMPLOYEE_RUNTIME: "runc",
      // OpenClaw waits 30 minutes for a decision (not configurable): the agent denies sooner.
      APPROVAL_TIMEOUT_MS: String(TEST_APPROVAL_TIMEOUT_MS),
    },
  });
  const logs = () =>
    `agent:\n${stack.agent.logs.slice(-25).join("\n")}\nedge:\n${stack.edgeLogs
      .join("")
      .split("\n")
      .filter((l) => !l.includes("/api/dev/mailbox") && !/GET \/api\/(approvals|employees)/.test(l))
      .slice(-40)
      .join("\n")}`;
  const stop = async () => {
    live?.close();
    await stack.stop();
    await new Promise<void>((r) => llm.close(() => r()));
    removeContainersOnNetwork(network);
  };
  let live: AccountLive | undefined;
  try {
    const ownerEmail = `owner-${Date.now()}@example.com`;
    const owner = await signIn(stack.edgeUrl, ownerEmail);
    live = new AccountLive(stack.edgeUrl, owner.cookie);
    if (opts.live !== false) await live.opened();
    const { employee } = await owner.call("POST /api/employees", {
      body: { name: "Ada", role: "researcher", tone: "friendly", skills: [] },
    });
    const hireMs = await waitRunning(owner, employee.id, READY_MS + 60_000, logs);
    return { stack, owner, ownerEmail, employeeId: employee.id, live, hireMs, logs, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}

export async function waitRunning(
  client: Client,
  id: string,
  timeoutMs: number,
  logs: () => string,
): Promise<number> {
  const started = Date.now();
  for (;;) {
    const { employee } = await client.call("GET /api/employees/:id", { params: { id } });
    if (employee.status === "running") return Date.now() - started;
    if (employee.status === "error") throw new Error(`employee failed: ${employee.statusReason}`);
    if (Date.now() - started > timeoutMs) throw new Error(`still ${employee.status}:\n${logs()}`);
    await sleep(500);
  }
}

/** An account live frame (edge/contract/account-live.ts) and when it arrived (Date.now()). */
export type Received = AccountLiveFrame & { at: number };

/** GET /api/live as the app holds it: opened again when the edge closes it (re-admission). */
export class AccountLive {
  readonly frames: Received[] = [];
  private ws: WebSocket;
  private closed = false;
  private listeners: ((f: Received) => void)[] = [];
  private readonly url: string;
  private readonly headers: Record<string, string>;

  constructor(edgeUrl: string, cookie: string) {
    this.url = `${edgeUrl.replace("http", "ws")}/api/live`;
    this.headers = { cookie, origin: edgeUrl };
    this.ws = this.open();
  }

  private open(): WebSocket {
    const ws = new WebSocket(this.url, { headers: this.headers });
    ws.on("message", (data) => {
      const at = Date.now();
      const frame = parseAccountLiveFrame(data.toString());
      if (!frame) return;
      const received = { ...frame, at };
      this.frames.push(received);
      for (const l of this.listeners) l(received);
    });
    ws.on("error", () => undefined);
    ws.on("close", () => {
      if (!this.closed) setTimeout(() => (this.ws = this.open()), 200);
    });
    return ws;
  }

  opened(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.ws.once("open", () => resolve());
      this.ws.once("error", reject);
    });
  }

  /** The first approval frame, received or to come, that matches. */
  approval(
    match: (a: ApprovalView) => boolean,
    timeoutMs = ANSWER_MS,
  ): Promise<{ approval: ApprovalView; at: number }> {
    const pick = (f: Received) => (f.type === "approval" && match(f.approval) ? f : undefined);
    const seen = this.frames.find(pick);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.listeners = this.listeners.filter((l) => l !== listener);
        reject(new Error(`no matching approval frame within ${timeoutMs} ms`));
      }, timeoutMs);
      const listener = (f: Received) => {
        const hit = pick(f);
        if (!hit) return;
        clearTimeout(timer);
        this.listeners = this.listeners.filter((l) => l !== listener);
        resolve(hit);
      };
      this.listeners.push(listener);
    });
  }

  close(): void {
    this.closed = true;
    this.ws.close();
  }
}

/** A message in a new web conversation, as the app sends it; the answer is `replyId`. */
export async function say(
  client: Client,
  employeeId: string,
  text: string,
): Promise<{ conversationId: string; replyId: string; sentAt: number }> {
  const { conversation } = await client.call("POST /api/employees/:id/conversations", {
    params: { id: employeeId },
    body: {},
  });
  const sentAt = Date.now();
  const { reply } = await client.call(
    "POST /api/employees/:id/conversations/:conversationId/messages",
    { params: { id: employeeId, conversationId: conversation.id }, body: { text } },
  );
  return { conversationId: conversation.id, replyId: reply.id, sentAt };
}

const ENDED = new Set(["done", "aborted", "failed"]);

/** The employee's answer once it has ended (done, aborted or failed). */
export async function answer(
  client: Client,
  employeeId: string,
  sent: { conversationId: string; replyId: string },
  timeoutMs = ANSWER_MS,
  logs: () => string = () => "",
): Promise<ChatMessage> {
  const deadline = Date.now() + timeoutMs;
  let last: ChatMessage | undefined;
  for (;;) {
    const { messages } = await client.call(
      "GET /api/employees/:id/conversations/:conversationId/messages",
      { params: { id: employeeId, conversationId: sent.conversationId } },
    );
    last = messages.find((m) => m.id === sent.replyId);
    if (last && ENDED.has(last.status)) return last;
    if (Date.now() > deadline)
      throw new Error(
        `no answer within ${timeoutMs} ms (last: ${JSON.stringify(last)})\n${logs()}`,
      );
    await sleep(250);
  }
}

/** Polls GET /api/approvals (pending) until one matches; when it was first listed. */
export async function listed(
  client: Client,
  match: (a: ApprovalView) => boolean,
  timeoutMs = ANSWER_MS,
  everyMs = 100,
): Promise<{ approval: ApprovalView; at: number }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { approvals } = await client.call("GET /api/approvals");
    const hit = approvals.find(match);
    if (hit) return { approval: hit, at: Date.now() };
    if (Date.now() > deadline) throw new Error(`no matching approval listed in ${timeoutMs} ms`);
    await sleep(everyMs);
  }
}

/** One approval by id, whatever its status (the inbox's `all`). */
export async function approvalById(client: Client, id: string): Promise<ApprovalView | undefined> {
  const { approvals } = await client.call("GET /api/approvals", { query: { status: "all" } });
  return approvals.find((a) => a.id === id);
}

/** The commands' words: what an approval's details show. */
export const commandOf = (a: ApprovalView) => a.details.command;

/** A word no other message has. */
export const word = (what: string) => `${what}${Date.now().toString(36)}`;

/** The chat message that makes the development model call OpenClaw's exec tool. */
export const execMessage = (command: string) => `!tool exec ${JSON.stringify({ command })}`;

/** Someone who signed up and then joined `owner`'s account as a member. */
export async function member(
  stack: Stack,
  owner: Client,
  tag: string,
): Promise<{ client: Client; userId: string }> {
  const email = `${tag}-${Date.now()}@example.com`;
  // Signed in first: their first mail is the sign-in link signIn reads.
  const client = await signIn(stack.edgeUrl, email);
  await owner.call("POST /api/team/invites", { body: { email, role: "member" } });
  const { messages } = await owner.call("GET /api/dev/mailbox", { query: { email } });
  const link = messages.find((m) => /invited you/.test(m.subject))?.link;
  if (!link) throw new Error(`no invitation mail for ${email}`);
  const token = new URL(link).searchParams.get("token") ?? "";
  await client.call("POST /api/invitation/accept", { body: { token } });
  // Working in the owner's account (accepting may already have made it the active one).
  const account = (await owner.call("GET /api/me")).account.id;
  await client.call("POST /api/accounts/:id/switch", { params: { id: account } });
  const me = await client.call("GET /api/me");
  return { client, userId: me.user.id };
}

/** What the employee's container holds at a path (its OpenClaw config, say). */
export const inContainer = (employeeId: string, ...cmd: string[]) =>
  docker("exec", `iw-employee-${employeeId}`, ...cmd).trim();

/** The ledger's entries in [from, to), all of them (newest first). */
export async function ledgerBetween(
  client: Client,
  employeeId: string,
  from: string,
  to: string,
): Promise<WorkEntryView[]> {
  const { entries } = await client.call("GET /api/employees/:id/ledger", {
    params: { id: employeeId },
    query: { from, to, limit: 500 },
  });
  return entries.filter((e) => e.startedAt >= from && e.startedAt < to);
}

/** The report card's figures as the ledger's entries add up. */
export function sums(entries: WorkEntryView[]): Omit<ReportFigures, "minutesSaved"> {
  const count = <K extends string>(keys: K[]) =>
    Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
  const work = count(["chat", "channel", "schedule", "heartbeat"]);
  const outcomes = count(["done", "failed", "aborted", "denied", "skipped"]);
  let promptTokens = 0;
  let completionTokens = 0;
  let costCents = 0;
  let approvalsRequested = 0;
  let approvalsDenied = 0;
  for (const e of entries) {
    work[e.kind] += 1;
    outcomes[e.outcome] += 1;
    promptTokens += e.promptTokens;
    completionTokens += e.completionTokens;
    costCents += e.costCents;
    approvalsRequested += e.approvals;
    approvalsDenied += e.approvalsDenied;
  }
  return {
    work,
    outcomes,
    promptTokens,
    completionTokens,
    costCents,
    approvalsRequested,
    approvalsAllowed: approvalsRequested - approvalsDenied,
    approvalsDenied,
  };
}

export const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ??
  Number.NaN;
export const fmt = (xs: number[]) =>
  `p50 ${pct(xs, 50).toFixed(0)} ms, p95 ${pct(xs, 95).toFixed(0)} ms, n=${xs.length}`;
