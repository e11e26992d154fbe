import { env, exports } from "cloudflare:workers";
import type { TeamRole } from "../contract/team.ts";
import { api, client, ORIGIN, signIn, uniqueEmail } from "./helpers.ts";

// One account with an owner, an admin and a member, each signed in through the magic link as a
// person is, and a stranger who owns another account. Memberships are written into D1 directly:
// invitations are another feature; what is tested here is what a role may do once it is held.

export interface Person {
  email: string;
  cookie: string;
  userId: string;
  /** The account the person got at sign-up. */
  ownAccountId: string;
}

export interface Team {
  accountId: string;
  owner: Person;
  admin: Person;
  member: Person;
  stranger: Person;
}

export async function person(tag: string): Promise<Person> {
  const email = uniqueEmail(tag);
  const cookie = await signIn(email);
  const me = await client(cookie)("GET /api/me");
  return { email, cookie, userId: me.user.id, ownAccountId: me.account.id };
}

/** Makes `who` a member of the account with `role`, or gives them that role. */
export async function addMember(accountId: string, who: Person, role: TeamRole): Promise<void> {
  await env.DB.prepare(
    `INSERT INTO memberships (account_id, user_id, role, created_at) VALUES (?1, ?2, ?3, ?4)
     ON CONFLICT (account_id, user_id) DO UPDATE SET role = excluded.role`,
  )
    .bind(accountId, who.userId, role, Date.now())
    .run();
}

/** addMember, and the person's session acts in that account. */
export async function join(accountId: string, who: Person, role: TeamRole): Promise<void> {
  await addMember(accountId, who, role);
  await actIn(accountId, who);
}

/** The person's session acts in the account from now on (POST /api/accounts/:id/switch). */
export async function actIn(accountId: string, who: Person): Promise<void> {
  const res = await api(`/api/accounts/${accountId}/switch`, {
    method: "POST",
    cookie: who.cookie,
  });
  if (res.status !== 200) throw new Error(`switch answered ${res.status}: ${await res.text()}`);
}

export async function buildTeam(tag = "team"): Promise<Team> {
  const [owner, admin, member, stranger] = await Promise.all(
    ["owner", "admin", "member", "stranger"].map((role) => person(`${tag}-${role}`)),
  );
  if (!owner || !admin || !member || !stranger) throw new Error("sign-in failed");
  const accountId = owner.ownAccountId;
  await join(accountId, admin, "admin");
  await join(accountId, member, "member");
  return { accountId, owner, admin, member, stranger };
}

/** A plan with room for the employees a test hires. */
export async function setPlan(accountId: string, plan: "trial" | "business"): Promise<void> {
  await env.DB.prepare("UPDATE accounts SET plan = ? WHERE id = ?").bind(plan, accountId).run();
}

/** A knowledge upload of one small file, as `who`, to a folder's path. */
export function uploadAs(
  who: Person,
  path: string,
  name = `${crypto.randomUUID().slice(0, 8)}.txt`,
) {
  const form = new FormData();
  form.append("file", new Blob(["some text"]), name);
  return exports.default.fetch(
    new Request(new URL(path, ORIGIN), {
      method: "POST",
      body: form,
      headers: { cookie: who.cookie, "cf-connecting-ip": UPLOAD_IP },
    }),
  );
}
export const UPLOAD_IP = "2001:db8::a0d";

/** The id of the person's newest session. */
export async function latestSession(userId: string): Promise<string> {
  const row = await env.DB.prepare(
    "SELECT id FROM sessions WHERE user_id = ? ORDER BY created_at DESC, rowid DESC LIMIT 1",
  )
    .bind(userId)
    .first<{ id: string }>();
  if (!row) throw new Error(`no session of ${userId}`);
  return row.id;
}
