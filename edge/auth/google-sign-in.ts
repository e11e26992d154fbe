import { CodeChallengeMethod, generateCodeVerifier, generateState, OAuth2Client } from "arctic";
import { and, eq } from "drizzle-orm";
import { z } from "zod";
import { oauthAccounts } from "../../db/schema.ts";
import { ApiError } from "../http/api-error.ts";
import { findOrCreateUser } from "../services/accounts.ts";
import type { Deps } from "../services/deps.ts";
import { createSession, type IssuedSession } from "./sessions.ts";

export const GOOGLE_CALLBACK_PATH = "/api/auth/google/callback";
export const GOOGLE_FLOW_TTL_MS = 10 * 60 * 1000;
export const GOOGLE_USERINFO_TIMEOUT_MS = 10_000;
const SCOPES = ["openid", "email", "profile"];

// Arctic's generic client (not its Google class) because the endpoints come from config: the
// real Google in production, a loopback stand-in speaking the same protocol in tests.
function client(deps: Deps): OAuth2Client {
  const { GOOGLE_CLIENT_ID: id, GOOGLE_CLIENT_SECRET: secret } = deps.config;
  if (!id || !secret) {
    throw new ApiError(
      503,
      "google_not_configured",
      "Google sign-in is not configured on this server. Use an email link instead.",
    );
  }
  return new OAuth2Client(id, secret, new URL(GOOGLE_CALLBACK_PATH, deps.config.appOrigin).href);
}

export interface GoogleStart {
  url: string;
  /** Kept by the browser in HttpOnly cookies until the callback. */
  state: string;
  codeVerifier: string;
}

export function startGoogleSignIn(deps: Deps): GoogleStart {
  const state = generateState();
  const codeVerifier = generateCodeVerifier();
  const url = client(deps).createAuthorizationURLWithPKCE(
    deps.config.GOOGLE_AUTH_URL,
    state,
    CodeChallengeMethod.S256,
    codeVerifier,
    SCOPES,
  );
  url.searchParams.set("prompt", "select_account");
  return { url: url.href, state, codeVerifier };
}

const UserInfo = z.object({
  sub: z.string().min(1),
  email: z.string().email(),
  email_verified: z.boolean().optional(),
  name: z.string().optional(),
});

export type GoogleFailure =
  | "google_state_mismatch"
  | "google_denied"
  | "google_failed"
  | "google_email_unverified";

export type GoogleOutcome =
  | { ok: true; session: IssuedSession; userId: string; newAccount: boolean }
  | { ok: false; reason: GoogleFailure };

export async function finishGoogleSignIn(
  deps: Deps,
  input: {
    code?: string;
    state?: string;
    error?: string;
    expectedState?: string;
    codeVerifier?: string;
    userAgent?: string | undefined;
    ip?: string | null;
  },
): Promise<GoogleOutcome> {
  if (input.error) return { ok: false, reason: "google_denied" };
  if (
    !input.state ||
    !input.expectedState ||
    input.state !== input.expectedState ||
    !input.codeVerifier ||
    !input.code
  ) {
    return { ok: false, reason: "google_state_mismatch" };
  }
  let info: z.infer<typeof UserInfo>;
  try {
    const tokens = await client(deps).validateAuthorizationCode(
      deps.config.GOOGLE_TOKEN_URL,
      input.code,
      input.codeVerifier,
    );
    const res = await fetch(deps.config.GOOGLE_USERINFO_URL, {
      headers: { authorization: `Bearer ${tokens.accessToken()}` },
      signal: AbortSignal.timeout(GOOGLE_USERINFO_TIMEOUT_MS),
    });
    if (!res.ok) throw new Error(`userinfo answered ${res.status}`);
    info = UserInfo.parse(await res.json());
  } catch (err) {
    if (err instanceof ApiError) throw err;
    deps.log.warn("google sign-in failed", { err });
    return { ok: false, reason: "google_failed" };
  }

  const linked = await deps.db
    .select({ userId: oauthAccounts.userId })
    .from(oauthAccounts)
    .where(and(eq(oauthAccounts.provider, "google"), eq(oauthAccounts.providerUserId, info.sub)))
    .get();
  let userId = linked?.userId;
  let newAccount = false;
  if (!userId) {
    // Linking by email is only safe when Google vouches for the address; otherwise anyone could
    // claim an existing customer's account with an unverified Google identity.
    if (info.email_verified !== true) return { ok: false, reason: "google_email_unverified" };
    const { user, created } = await findOrCreateUser(deps, {
      email: info.email,
      name: info.name ?? null,
    });
    userId = user.id;
    newAccount = created;
    await deps.db
      .insert(oauthAccounts)
      .values({
        provider: "google",
        providerUserId: info.sub,
        userId,
        email: user.email,
        createdAt: deps.now(),
      })
      .onConflictDoNothing();
    deps.log.info("google identity linked", { userId, newAccount });
  }
  const session = await createSession(deps, userId, input);
  return { ok: true, session, userId, newAccount };
}
