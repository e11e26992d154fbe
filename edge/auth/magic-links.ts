import { and, eq, gt, isNull, lt } from "drizzle-orm";
import { loginTokens } from "../../db/schema.ts";
import { findOrCreateUser, normaliseEmail } from "../services/accounts.ts";
import type { Deps } from "../services/deps.ts";
import { MAGIC_LINK_PER_EMAIL, MAGIC_LINK_PER_IP } from "../services/rate-limits.ts";
import { createSession, type IssuedSession } from "./sessions.ts";
import { hashToken, randomToken } from "./tokens.ts";

export const MAGIC_LINK_TTL_MS = 15 * 60 * 1000;
// The emailed link opens this page of the app, which shows whose account it signs into and
// signs in only when its button is pressed. Mail scanners and link previews fetch links on their
// own; a GET must never be what spends the link or signs anyone in.
export const MAGIC_LINK_PAGE = "/sign-in/confirm";

export async function requestMagicLink(
  deps: Deps,
  input: { email: string; ip: string },
): Promise<void> {
  const email = normaliseEmail(input.email);
  // The network first: one address spraying many emails is stopped before it costs any email's budget.
  await deps.limits.take(MAGIC_LINK_PER_IP, input.ip);
  await deps.limits.take(MAGIC_LINK_PER_EMAIL, email);

  const token = randomToken();
  const now = deps.now();
  await deps.db.insert(loginTokens).values({
    tokenHash: hashToken(token),
    email,
    createdAt: now,
    expiresAt: now + MAGIC_LINK_TTL_MS,
  });
  const link = new URL(MAGIC_LINK_PAGE, deps.config.appOrigin);
  link.searchParams.set("token", token);
  const minutes = MAGIC_LINK_TTL_MS / 60_000;
  await deps.mailer.send({
    to: email,
    subject: "Your InstantWorker sign-in link",
    link: link.href,
    text: `Sign in to InstantWorker:\n\n${link.href}\n\nThe link works once and expires in ${minutes} minutes. If you did not ask for it, ignore this email.`,
    html: `<p>Sign in to InstantWorker:</p><p><a href="${link.href}">Sign in</a></p><p>The link works once and expires in ${minutes} minutes. If you did not ask for it, ignore this email.</p>`,
  });
}

export type MagicLinkFailure = "link_invalid" | "link_used" | "link_expired";

export type MagicLinkLookup =
  | { ok: true; email: string; expiresAt: number }
  | { ok: false; reason: MagicLinkFailure };

// What the confirmation page shows. Reads only: any number of look-ups leave the link as it was.
export async function lookUpMagicLink(deps: Deps, token: string): Promise<MagicLinkLookup> {
  const row = await deps.db
    .select()
    .from(loginTokens)
    .where(eq(loginTokens.tokenHash, hashToken(token)))
    .get();
  if (!row) return { ok: false, reason: "link_invalid" };
  if (row.usedAt !== null) return { ok: false, reason: "link_used" };
  if (row.expiresAt <= deps.now()) return { ok: false, reason: "link_expired" };
  return { ok: true, email: row.email, expiresAt: row.expiresAt };
}

export type MagicLinkOutcome =
  | { ok: true; session: IssuedSession; userId: string; newAccount: boolean }
  | { ok: false; reason: MagicLinkFailure };

// Single use without a transaction: one UPDATE … WHERE used_at IS NULL claims the token, so two
// concurrent clicks cannot both succeed.
export async function consumeMagicLink(
  deps: Deps,
  input: { token: string; userAgent?: string | undefined; ip?: string | null },
): Promise<MagicLinkOutcome> {
  const now = deps.now();
  const tokenHash = hashToken(input.token);
  const claimed = await deps.db
    .update(loginTokens)
    .set({ usedAt: now })
    .where(
      and(
        eq(loginTokens.tokenHash, tokenHash),
        isNull(loginTokens.usedAt),
        gt(loginTokens.expiresAt, now),
      ),
    )
    .returning({ email: loginTokens.email })
    .get();
  if (!claimed) {
    const row = await deps.db
      .select()
      .from(loginTokens)
      .where(eq(loginTokens.tokenHash, tokenHash))
      .get();
    const reason: MagicLinkFailure = !row
      ? "link_invalid"
      : row.usedAt !== null
        ? "link_used"
        : "link_expired";
    return { ok: false, reason };
  }
  const { user, created } = await findOrCreateUser(deps, { email: claimed.email });
  const session = await createSession(deps, user.id, input);
  return { ok: true, session, userId: user.id, newAccount: created };
}

export async function deleteStaleLoginTokens(deps: Deps): Promise<void> {
  await deps.db
    .delete(loginTokens)
    .where(lt(loginTokens.expiresAt, deps.now() - MAGIC_LINK_TTL_MS));
}
