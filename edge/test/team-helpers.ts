import { env } from "cloudflare:workers";
import type { InvitationView, TeamRole } from "../contract/team.ts";
import { api, client, mailbox, signIn, tokenOf, uniqueEmail } from "./helpers.ts";

// Teams as the tests build them: through the API and the development mailbox, as people do.

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

/** The newest invitation mail to `email`: its subject and its link's token. */
export async function invitationMail(email: string): Promise<{ subject: string; token: string }> {
  const mail = (await mailbox(email)).find((m) => /invited you/.test(m.subject));
  if (!mail?.link) throw new Error(`no invitation mail for ${email}`);
  return { subject: mail.subject, token: tokenOf(mail.link) };
}

export async function invite(
  cookie: string,
  email: string,
  role: "admin" | "member" = "member",
): Promise<{ invite: InvitationView; token: string }> {
  const { invite } = await client(cookie)("POST /api/team/invites", { body: { email, role } });
  return { invite, token: (await invitationMail(email)).token };
}

export const accept = (cookie: string, token: string) =>
  api("/api/invitation/accept", { method: "POST", json: { token }, cookie });

/** A new person invited by `owner` with `role`, signed in and accepted. */
export async function joined(owner: Person, role: "admin" | "member", tag: string = role) {
  const email = uniqueEmail(tag);
  const { token } = await invite(owner.cookie, email, role);
  const cookie = await signIn(email);
  const res = await accept(cookie, token);
  if (res.status !== 200) throw new Error(`accept answered ${res.status}: ${await res.text()}`);
  const me = await client(cookie)("GET /api/me");
  return { email, cookie, userId: me.user.id };
}

export async function roleIn(accountId: string, userId: string): Promise<TeamRole | null> {
  const row = await env.DB.prepare(
    "SELECT role FROM memberships WHERE account_id = ? AND user_id = ?",
  )
    .bind(accountId, userId)
    .first<{ role: TeamRole }>();
  return row?.role ?? null;
}

export async function auditActions(accountId: string): Promise<string[]> {
  const rows = await env.DB.prepare(
    "SELECT action FROM audit_events WHERE account_id = ? ORDER BY at, rowid",
  )
    .bind(accountId)
    .all<{ action: string }>();
  return rows.results.map((r) => r.action);
}

/**
 * An employee row of the account, as the D1 mirror holds it (GET /api/employees/:id reads it):
 * enough to see who may reach it, without provisioning anything. Removed with the test's team.
 */
export async function employeeOf(accountId: string): Promise<string> {
  const id = crypto.randomUUID();
  const now = Date.now();
  await env.DB.prepare(
    `INSERT INTO employees (id, account_id, name, role, tone, skills, status, created_at, updated_at)
     VALUES (?, ?, 'Ada', 'executive-assistant', 'friendly', '[]', 'none', ?, ?)`,
  )
    .bind(id, accountId, now, now)
    .run();
  return id;
}

export async function dropEmployee(id: string): Promise<void> {
  await env.DB.prepare("DELETE FROM employees WHERE id = ?").bind(id).run();
}
