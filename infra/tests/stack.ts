// The whole product on loopback for end-to-end tests and benchmarks: `wrangler dev` (real
// workerd, D1, Durable Objects) with its own state folder, a node token made by the ops script,
// and the real node agent driving the real Docker engine.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";
import { type ApiClient, createApiClient } from "../../edge/contract/client.ts";
import type { Employee } from "../../edge/contract/employee.ts";
import type { HireRequest } from "../../edge/contract/employee-input.ts";
import { type LiveFrame, parseLiveFrame } from "../../edge/contract/live.ts";
import { removeMountedTree } from "../../node-agent/test/docker-cli.ts";
import {
  SLACK_CLIENT_ID,
  SLACK_CLIENT_SECRET,
  SLACK_SIGNING_SECRET,
} from "../../testing/stand-ins/slack-stand-in.ts";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
export const TEST_IMAGE = process.env.TEST_EMPLOYEE_IMAGE ?? "instantworker/test-employee:1";
export const E2E_NETWORK = "instantworker-e2e";
const wrangler = path.join(root, "node_modules/.bin/wrangler");
const EDGE_READY_TIMEOUT_MS = 90_000;

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const a = s.address();
      const port = typeof a === "object" && a ? a.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export class AgentProcess {
  child: ChildProcess | undefined;
  readonly logs: string[] = [];
  private readonly env: NodeJS.ProcessEnv;

  constructor(env: NodeJS.ProcessEnv) {
    this.env = env;
  }

  start(): void {
    this.child = spawn(process.execPath, [path.join(root, "node-agent/main.ts")], {
      cwd: root,
      env: { ...process.env, ...this.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    const keep = (b: Buffer) => this.logs.push(...b.toString().split("\n").filter(Boolean));
    this.child.stdout?.on("data", keep);
    this.child.stderr?.on("data", keep);
  }

  async waitForLog(pattern: RegExp, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.logs.some((l) => pattern.test(l))) {
      if (Date.now() > deadline)
        throw new Error(
          `agent never logged ${pattern}; last lines:\n${this.logs.slice(-10).join("\n")}`,
        );
      await sleep(50);
    }
  }

  async kill(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    // An agent killed by a signal has signalCode set and exitCode still null: it is gone too.
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once("exit", () => resolve());
      child.kill(signal);
    });
  }
}

export interface Stack {
  edgeUrl: string;
  persistDir: string;
  nodeId: string;
  nodeToken: string;
  agent: AgentProcess;
  /** What wrangler printed, for a failure to show. */
  edgeLogs: string[];
  stop(): Promise<void>;
}

/** `wrangler dev` on loopback with a state folder of its own (D1 migrated, as the ops scripts see it). */
export interface Edge {
  edgeUrl: string;
  persistDir: string;
  /** What wrangler printed, for a failure to show. */
  logs: string[];
  stop(): Promise<void>;
}

const wranglerEnv = () => ({ ...process.env, WRANGLER_SEND_METRICS: "false" });

// Channels (issue 17): the providers' APIs at the loopback stand-ins (channels-stand-ins.ts), and
// the webhooks they call back at this edge (plain http, which a development edge accepts). The
// mail domain and the trusted Authentication-Results server are the ones the journeys write.
export const E2E_MAIL_DOMAIN = "employees.localhost";
export const E2E_AUTHSERV_ID = "mx.cloudflare.net";
export function channelEdgeVars(standInUrl: string, edgeUrl: string): Record<string, string> {
  return {
    CHANNEL_SECRETS_KEY: randomBytes(32).toString("base64"),
    CHANNEL_WEBHOOK_URL: edgeUrl,
    TELEGRAM_API_URL: `${standInUrl}/telegram`,
    SLACK_API_URL: `${standInUrl}/slack/api`,
    SLACK_AUTHORIZE_URL: `${standInUrl}/slack/oauth/v2/authorize`,
    WHATSAPP_GRAPH_URL: `${standInUrl}/whatsapp`,
    SLACK_CLIENT_ID,
    SLACK_CLIENT_SECRET,
    SLACK_SIGNING_SECRET,
    EMPLOYEE_MAIL_DOMAIN: E2E_MAIL_DOMAIN,
    EMAIL_TRUSTED_AUTHSERV_ID: E2E_AUTHSERV_ID,
  };
}

export async function startEdge(
  opts: {
    edgeVars?: Record<string, string>;
    /** The channel stand-ins' base URL: the edge is given channelEdgeVars for it. */
    channelStandIns?: string;
  } = {},
): Promise<Edge> {
  const persist = mkdtempSync(path.join(tmpdir(), "iw-e2e-"));
  const env = wranglerEnv();
  execFileSync(wrangler, ["d1", "migrations", "apply", "DB", "--local", "--persist-to", persist], {
    cwd: root,
    env,
    stdio: "ignore",
  });
  const port = await freePort();
  const edgeUrl = `http://127.0.0.1:${port}`;
  const vars = {
    ...(opts.channelStandIns ? channelEdgeVars(opts.channelStandIns, edgeUrl) : {}),
    ...opts.edgeVars,
  };
  const edge = spawn(
    wrangler,
    [
      "dev",
      "--port",
      String(port),
      "--ip",
      "127.0.0.1",
      "--persist-to",
      persist,
      "--var",
      "ENVIRONMENT:development",
      "--var",
      `APP_URL:${edgeUrl}`,
      "--var",
      "VERSION:e2e",
      "--show-interactive-dev-session=false",
      ...Object.entries(vars).flatMap(([k, v]) => ["--var", `${k}:${v}`]),
    ],
    { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] },
  );
  const edgeLogs: string[] = [];
  edge.stdout?.on("data", (b: Buffer) => edgeLogs.push(b.toString()));
  edge.stderr?.on("data", (b: Buffer) => edgeLogs.push(b.toString()));
  const deadline = Date.now() + EDGE_READY_TIMEOUT_MS;
  for (;;) {
    try {
      if ((await fetch(`${edgeUrl}/api/health`)).ok) break;
    } catch {
      // not yet
    }
    if (Date.now() > deadline || edge.exitCode !== null) {
      edge.kill("SIGTERM");
      throw new Error(`wrangler dev did not come up:\n${edgeLogs.join("").slice(-3000)}`);
    }
    await sleep(200);
  }
  return {
    edgeUrl,
    persistDir: persist,
    logs: edgeLogs,
    stop: () =>
      new Promise<void>((resolve) => {
        if (edge.exitCode !== null) return resolve();
        edge.once("exit", () => resolve());
        edge.kill("SIGTERM");
      }),
  };
}

/** A node row and its token, made by the ops script (npm run node:token) in the edge's local D1. */
export function createNodeToken(
  persistDir: string,
  name: string,
  slots?: number,
): { id: string; token: string } {
  return JSON.parse(
    execFileSync(
      process.execPath,
      [
        path.join(root, "infra/scripts/node-token.ts"),
        "create",
        name,
        ...(slots === undefined ? [] : ["--slots", String(slots)]),
        "--persist-to",
        persistDir,
        "--json",
      ],
      { cwd: root, env: wranglerEnv(), encoding: "utf8" },
    ),
  ) as { id: string; token: string };
}

export async function startStack(
  opts: {
    agentEnv?: NodeJS.ProcessEnv;
    startAgent?: boolean;
    edgeVars?: Record<string, string>;
    channelStandIns?: string;
  } = {},
): Promise<Stack> {
  const edge = await startEdge(opts);
  const persist = edge.persistDir;
  const created = createNodeToken(persist, "e2e-node");
  const agent = new AgentProcess({
    EDGE_URL: edge.edgeUrl,
    NODE_TOKEN: created.token,
    RUNTIME: "docker",
    EMPLOYEE_IMAGE: TEST_IMAGE,
    EMPLOYEE_MEMORY_MB: "256",
    EMPLOYEE_CPUS: "0.5",
    CAPACITY_SLOTS: "8",
    DOCKER_NETWORK: E2E_NETWORK,
    READY_TIMEOUT_MS: "30000",
    LOG_LEVEL: "info",
    // As on a node: gVisor where ensure-docker.sh registered it; disks under STATE_DIR.
    EMPLOYEE_RUNTIME: "auto",
    STATE_DIR: path.join(persist, "agent-state"),
    LLM_RELAY_PORT: "0",
    ...opts.agentEnv,
  });
  if (opts.startAgent !== false) {
    agent.start();
    await agent.waitForLog(/connected to the edge/);
  }

  return {
    edgeUrl: edge.edgeUrl,
    persistDir: persist,
    nodeId: created.id,
    nodeToken: created.token,
    agent,
    edgeLogs: edge.logs,
    async stop() {
      await agent.kill("SIGTERM");
      await edge.stop();
      // The agent's employee disks are mounted under its state folder.
      removeMountedTree(persist);
    },
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface Client {
  cookie: string;
  /** Raw requests, for status codes and bodies a test looks at as they are. */
  api(pathname: string, init?: { method?: string; json?: unknown }): Promise<Response>;
  /** The contract's typed client (edge/contract/client.ts), as this person. */
  call: ApiClient;
}

// The typed client against a running edge, as a browser of the app's origin would call it.
export function typedClient(edgeUrl: string, cookie = ""): ApiClient {
  return createApiClient({
    baseUrl: edgeUrl,
    fetch: (url, init) =>
      fetch(url, { ...init, headers: { ...init.headers, cookie, origin: edgeUrl } }),
  });
}

export async function signIn(edgeUrl: string, email: string): Promise<Client> {
  const post = await fetch(`${edgeUrl}/api/auth/magic-link`, {
    method: "POST",
    headers: { "content-type": "application/json", origin: edgeUrl },
    body: JSON.stringify({ email }),
  });
  if (post.status !== 202) throw new Error(`magic link: ${post.status} ${await post.text()}`);
  const box = await typedClient(edgeUrl)("GET /api/dev/mailbox", { query: { email } });
  const link = box.messages[0]?.link;
  if (!link) throw new Error("no sign-in mail");
  // The link opens the app's confirmation page; pressing its button is this form POST.
  const verify = await fetch(`${edgeUrl}/api/auth/magic-link/verify`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: edgeUrl },
    body: new URLSearchParams({ token: new URL(link).searchParams.get("token") ?? "" }),
    redirect: "manual",
  });
  const cookie = verify.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .find((c) => c?.startsWith("iw_session="));
  if (!cookie) throw new Error("no session cookie");
  return {
    cookie,
    call: typedClient(edgeUrl, cookie),
    api: (pathname, init = {}) =>
      fetch(`${edgeUrl}${pathname}`, {
        method: init.method ?? "GET",
        headers: {
          cookie,
          origin: edgeUrl,
          ...(init.json !== undefined ? { "content-type": "application/json" } : {}),
        },
        body: init.json !== undefined ? JSON.stringify(init.json) : undefined,
      }),
  };
}

/** A live frame (edge/contract/live.ts) as a viewer received it: when, and its employee if any. */
export interface ReceivedFrame {
  type: LiveFrame["type"];
  employee: Employee | null;
  at: number;
}

export class LiveSocket {
  readonly frames: ReceivedFrame[] = [];
  private readonly ws: WebSocket;
  private listeners: ((f: ReceivedFrame) => void)[] = [];

  constructor(edgeUrl: string, employeeId: string, cookie: string) {
    this.ws = new WebSocket(`${edgeUrl.replace("http", "ws")}/api/employees/${employeeId}/live`, {
      headers: { cookie },
    });
    this.ws.on("message", (data) => {
      const at = performance.now();
      const parsed = parseLiveFrame(data.toString());
      if (!parsed) return;
      const frame = {
        type: parsed.type,
        employee: parsed.type === "status" ? parsed.employee : null,
        at,
      };
      this.frames.push(frame);
      for (const l of this.listeners) l(frame);
    });
  }

  opened(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.ws.once("open", () => resolve());
      this.ws.once("error", reject);
    });
  }

  // Resolves with the first frame (already received or future) that matches.
  waitFor(
    match: (f: ReceivedFrame) => boolean,
    timeoutMs = 60_000,
    since = 0,
  ): Promise<ReceivedFrame> {
    const seen = this.frames.slice(since).find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.listeners = this.listeners.filter((l) => l !== listener);
        reject(
          new Error(
            `no matching live frame within ${timeoutMs} ms; statuses: ${this.frames.map((f) => f.employee?.status ?? f.type).join(" → ")}`,
          ),
        );
      }, timeoutMs);
      const listener = (f: ReceivedFrame) => {
        if (!match(f)) return;
        clearTimeout(timer);
        this.listeners = this.listeners.filter((l) => l !== listener);
        resolve(f);
      };
      this.listeners.push(listener);
    });
  }

  /** The lifecycle as the socket told it: status frames (and `removed`), not the chat's frames. */
  statuses(): string[] {
    const out: string[] = [];
    for (const f of this.frames) {
      if (f.type.startsWith("chat.")) continue;
      const s = f.employee?.status ?? f.type;
      if (out[out.length - 1] !== s) out.push(s);
    }
    return out;
  }

  close(): void {
    this.ws.close();
  }
}

export const hireBody: HireRequest = {
  name: "E2E",
  role: "researcher",
  tone: "concise",
  skills: ["web-research"],
};
