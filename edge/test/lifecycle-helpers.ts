import {
  createExecutionContext,
  createScheduledController,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import type { TeamRole } from "../contract/team.ts";
import worker from "../index.ts";
import { employeeStub } from "../objects/stubs.ts";
import type { EdgeFrame } from "../protocol/frames.ts";
import { FakeAgent } from "./fake-agent.ts";
import { hireBody, ORIGIN, uniqueIp } from "./helpers.ts";
import type { Person } from "./team-helpers.ts";

// What the audit, export and deletion tests share: people in accounts with roles, employees, and
// the cron at a chosen moment.

// People are made as the team tests make them (signed in through the development mailbox).
export { type Person, person } from "./team-helpers.ts";

/** Makes `who` a member of `accountId` with `role`, acting in it from now on. */
export async function joinAs(who: Person, accountId: string, role: TeamRole): Promise<void> {
  await env.DB.prepare(
    "INSERT INTO memberships (account_id, user_id, role, created_at) VALUES (?, ?, ?, ?)",
  )
    .bind(accountId, who.userId, role, Date.now())
    .run();
  await env.DB.prepare("UPDATE sessions SET active_account_id = ? WHERE user_id = ?")
    .bind(accountId, who.userId)
    .run();
}

/** An employee of the account, as a hire makes it: its row, then its object (which places it). */
export async function seedEmployee(
  accountId: string,
  over: Partial<{ name: string }> = {},
): Promise<string> {
  const body = hireBody(over);
  const id = crypto.randomUUID();
  const now = Date.now();
  await env.DB.prepare(
    `INSERT INTO employees (id, account_id, name, role, tone, skills, status, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, 'none', ?, ?)`,
  )
    .bind(id, accountId, body.name, body.role, body.tone, JSON.stringify(body.skills), now, now)
    .run();
  await employeeStub(env, id).create({ id, accountId, ...body, skills: body.skills ?? [] });
  return id;
}

export async function runCronAt(scheduledTime: number): Promise<void> {
  const ctx = createExecutionContext();
  await worker.scheduled(
    createScheduledController({ cron: "*/5 * * * *", scheduledTime }),
    env,
    ctx,
  );
  await waitOnExecutionContext(ctx);
}

export interface AuditSeed {
  at: number;
  action?: string;
  actorEmail?: string | null;
  targetType?: string | null;
  targetId?: string | null;
  detail?: Record<string, unknown> | null;
  ip?: string | null;
  userAgent?: string | null;
}

/** Audit events written straight into D1, at moments a test chooses. */
export async function seedAudit(accountId: string, events: AuditSeed[]): Promise<string[]> {
  const ids: string[] = [];
  for (const e of events) {
    const id = crypto.randomUUID();
    ids.push(id);
    await env.DB.prepare(
      `INSERT INTO audit_events (id, account_id, at, actor_user_id, actor_email, action, target_type,
         target_id, detail, ip, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
      .bind(
        id,
        accountId,
        e.at,
        e.actorEmail ? "u-seeded" : null,
        e.actorEmail ?? null,
        e.action ?? "employee.hire",
        e.targetType ?? null,
        e.targetId ?? null,
        e.detail ? JSON.stringify(e.detail) : null,
        e.ip ?? null,
        e.userAgent ?? null,
      )
      .run();
  }
  return ids;
}

/** Polls until `check` holds, or fails naming `what`. */
export async function until(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export async function statusOf(employeeId: string) {
  return env.DB.prepare("SELECT status, status_reason AS reason FROM employees WHERE id = ?")
    .bind(employeeId)
    .first<{ status: string; reason: string | null }>();
}

type Command = Extract<EdgeFrame, { employeeId: string }>;

// A node agent that does what it is told, as Docker behind the real agent would: provisions
// start a container, stops stop it, removes take it away; `workspace.export` is answered by
// `onExport` (the test plays the agent's upload). Every command is kept in `commands`.
export class AnsweringAgent {
  readonly commands: Command[] = [];
  readonly agent: FakeAgent;
  onExport: ((frame: Extract<Command, { type: "workspace.export" }>) => Promise<void>) | undefined;
  /** Commands of these types are kept in `held`, unanswered, for the test to answer. */
  readonly holding = new Set<Command["type"]>();
  readonly held: Command[] = [];
  private work: Promise<void> = Promise.resolve();

  constructor(agent: FakeAgent) {
    this.agent = agent;
    agent.ws.addEventListener("message", (e) => {
      const frame = JSON.parse(String(e.data)) as EdgeFrame;
      if (!("employeeId" in frame)) return;
      this.commands.push(frame);
      this.work = this.work.then(() => this.answer(frame)).catch(() => undefined);
    });
  }

  static async connect(token: string): Promise<AnsweringAgent> {
    return new AnsweringAgent(await FakeAgent.connect(token, { slots: 16 }));
  }

  count(type: Command["type"], employeeId?: string): number {
    return this.commands.filter(
      (c) => c.type === type && (employeeId === undefined || c.employeeId === employeeId),
    ).length;
  }

  close(): void {
    this.agent.close();
  }

  private async answer(frame: Command): Promise<void> {
    if (this.holding.has(frame.type)) {
      this.held.push(frame);
      return;
    }
    const { employeeId } = frame;
    const containerId = `c-${employeeId.slice(0, 8)}`;
    const ok = (state: "running" | "stopped" | "missing") =>
      this.agent.send({
        type: "result",
        id: frame.id,
        ok: true,
        data: { employeeId, containerId: state === "missing" ? null : containerId, state },
      });
    switch (frame.type) {
      case "container.provision":
        this.agent.send({ type: "container.created", employeeId, containerId });
        this.agent.send({ type: "container.started", employeeId, containerId });
        return ok("running");
      case "container.start":
      case "container.restart":
        return ok("running");
      case "container.stop":
        return ok("stopped");
      case "container.remove":
        this.agent.send({ type: "container.removed", employeeId, containerId });
        return ok("missing");
      case "snapshot.create":
        return this.agent.completeSnapshot(frame);
      case "container.restore":
        return this.agent.completeRestore(frame);
      case "workspace.export":
        await this.onExport?.(frame);
        this.agent.send({ type: "result", id: frame.id, ok: true });
        return;
      default:
        this.agent.send({ type: "result", id: frame.id, ok: true });
    }
  }
}

/** A running employee of the account on the agent's node. */
export async function runningEmployee(accountId: string, name: string): Promise<string> {
  const id = await seedEmployee(accountId, { name });
  await until(async () => (await statusOf(id))?.status === "running", `${name} running`);
  return id;
}

export async function uploadKnowledge(who: Person, path: string, name: string, body: string) {
  const form = new FormData();
  form.append("file", new Blob([body]), name);
  const res = await exports.default.fetch(
    new Request(new URL(path, ORIGIN), {
      method: "POST",
      body: form,
      headers: { cookie: who.cookie, "cf-connecting-ip": uniqueIp() },
    }),
  );
  if (res.status !== 201) throw new Error(`upload answered ${res.status}: ${await res.text()}`);
}
