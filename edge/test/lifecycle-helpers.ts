import {
  createExecutionContext,
  createScheduledController,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { TeamRole } from "../contract/team.ts";
import worker from "../index.ts";
import { employeeStub } from "../objects/stubs.ts";
import { client, hireBody, signIn, uniqueEmail } from "./helpers.ts";

// What the audit, export and deletion tests share: people in accounts with roles, employees, and
// the cron at a chosen moment.

export interface Person {
  email: string;
  cookie: string;
  userId: string;
  /** The account they own (made at sign-up). */
  accountId: string;
}

export async function person(tag: string): Promise<Person> {
  const email = uniqueEmail(tag);
  const cookie = await signIn(email);
  const me = await client(cookie)("GET /api/me");
  return { email, cookie, userId: me.user.id, accountId: me.account.id };
}

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
