import { type Context, Hono } from "hono";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { z } from "zod";
import {
  finishGoogleSignIn,
  GOOGLE_FLOW_TTL_MS,
  startGoogleSignIn,
} from "../auth/google-sign-in.ts";
import {
  consumeMagicLink,
  lookUpMagicLink,
  MAGIC_LINK_PAGE,
  requestMagicLink,
} from "../auth/magic-links.ts";
import {
  clearSessionCookie,
  flowCookie,
  isSecure,
  readSessionCookie,
  writeSessionCookie,
} from "../auth/session-cookie.ts";
import { revokeSession } from "../auth/sessions.ts";
import { MagicLinkToken } from "../contract/endpoints.ts";
import { ApiError } from "../http/api-error.ts";
import type { AppEnv } from "../http/app-env.ts";
import { clientIp } from "../http/client-ip.ts";
import { requireAppOrigin } from "../http/csrf.ts";
import { endpoint } from "../http/endpoint.ts";
import { MAX_JSON_BODY_BYTES, parseWith, queryParams } from "../http/validate.ts";
import { GOOGLE_SIGN_IN_PER_IP } from "../services/rate-limits.ts";

const GoogleCallback = z.object({
  code: z.string().max(2000).optional(),
  state: z.string().max(200).optional(),
  error: z.string().max(200).optional(),
});

const GOOGLE_STATE_COOKIE = "iw_google_state";
const GOOGLE_VERIFIER_COOKIE = "iw_google_verifier";

const MOUNT = "/api/auth";
export const authRoutes = new Hono<AppEnv>();

type SignInOutcome =
  | { ok: true; newAccount: boolean; userId: string; session: { token: string; expiresAt: number } }
  | { ok: false; reason: string };

// Both sign-in methods end the same way: a session cookie and the app (onboarding for a new
// account), or the sign-in page with the reason. The destinations are fixed paths on the
// configured app origin: nothing a request carries (a return address, its Host) chooses them.
function finishSignIn(
  c: Context<AppEnv>,
  outcome: SignInOutcome,
  method: "magic-link" | "google",
  status: 302 | 303,
) {
  const appOrigin = c.var.deps.config.appOrigin;
  if (!outcome.ok) {
    c.var.log.info("sign-in refused", { method, reason: outcome.reason });
    return c.redirect(new URL(`/sign-in?error=${outcome.reason}`, appOrigin).href, status);
  }
  writeSessionCookie(c, outcome.session.token, outcome.session.expiresAt);
  c.var.log.info("signed in", { userId: outcome.userId, method });
  return c.redirect(
    new URL(outcome.newAccount ? "/onboarding" : "/dashboard", appOrigin).href,
    status,
  );
}

// The confirmation page posts a plain HTML form, so this one route reads a url-encoded body.
async function formBody<S extends z.core.$ZodType>(
  c: Context<AppEnv>,
  schema: S,
): Promise<z.output<S>> {
  const type = c.req.header("content-type") ?? "";
  if (!/^application\/x-www-form-urlencoded\b/i.test(type)) {
    throw new ApiError(
      415,
      "unsupported_media_type",
      "Send the form as application/x-www-form-urlencoded.",
    );
  }
  const bytes = await c.req.arrayBuffer();
  if (bytes.byteLength > MAX_JSON_BODY_BYTES) {
    throw new ApiError(
      413,
      "body_too_large",
      `The request body is larger than ${MAX_JSON_BODY_BYTES} bytes.`,
    );
  }
  const fields = new URLSearchParams(new TextDecoder().decode(bytes));
  return parseWith(schema, Object.fromEntries(fields), "form");
}

endpoint(authRoutes, MOUNT, "POST /api/auth/magic-link", async (c, input) => {
  const { email } = await input.body();
  await requestMagicLink(c.var.deps, { email, ip: clientIp(c) });
  return { status: "sent" };
});

// The confirmation page's look-up: whose link it is and until when. Never consumes it.
endpoint(authRoutes, MOUNT, "GET /api/auth/magic-link", async (c, input) => {
  const { token } = input.query();
  const found = await lookUpMagicLink(c.var.deps, token);
  c.header("cache-control", "no-store");
  if (!found.ok) {
    const messages = {
      link_invalid: ["This sign-in link is not valid.", 404],
      link_used: ["This sign-in link was already used.", 410],
      link_expired: ["This sign-in link has expired.", 410],
    } as const;
    const [message, status] = messages[found.reason];
    throw new ApiError(status, found.reason, message);
  }
  return { email: found.email, expiresAt: new Date(found.expiresAt).toISOString() };
});

// Links emailed before the confirmation page existed pointed here: they now open the page too,
// and a GET still changes nothing.
authRoutes.get("/magic-link/verify", async (c) => {
  const { token } = queryParams(c, MagicLinkToken);
  const page = new URL(MAGIC_LINK_PAGE, c.var.deps.config.appOrigin);
  page.searchParams.set("token", token);
  c.header("cache-control", "no-store");
  return c.redirect(page.href, 302);
});

// The confirmation page's button: the only request that spends a link and signs in.
authRoutes.post("/magic-link/verify", requireAppOrigin(), async (c) => {
  const { token } = await formBody(c, MagicLinkToken);
  const outcome = await consumeMagicLink(c.var.deps, {
    token,
    userAgent: c.req.header("user-agent"),
    ip: clientIp(c),
  });
  return finishSignIn(c, outcome, "magic-link", 303);
});

authRoutes.get("/google", async (c) => {
  await c.var.deps.limits.take(GOOGLE_SIGN_IN_PER_IP, clientIp(c));
  const start = startGoogleSignIn(c.var.deps);
  const secure = isSecure(c);
  const state = flowCookie(GOOGLE_STATE_COOKIE, secure);
  const verifier = flowCookie(GOOGLE_VERIFIER_COOKIE, secure);
  const opts = {
    httpOnly: true,
    secure,
    sameSite: "Lax" as const,
    maxAge: GOOGLE_FLOW_TTL_MS / 1000,
  };
  setCookie(c, state.name, start.state, { ...opts, path: state.path });
  setCookie(c, verifier.name, start.codeVerifier, { ...opts, path: verifier.path });
  return c.redirect(start.url, 302);
});

authRoutes.get("/google/callback", async (c) => {
  const query = queryParams(c, GoogleCallback);
  const secure = isSecure(c);
  const state = flowCookie(GOOGLE_STATE_COOKIE, secure);
  const verifier = flowCookie(GOOGLE_VERIFIER_COOKIE, secure);
  const expectedState = getCookie(c, state.name);
  const codeVerifier = getCookie(c, verifier.name);
  // One attempt per start: whatever happens next, the flow's cookies are spent.
  deleteCookie(c, state.name, { path: state.path, secure });
  deleteCookie(c, verifier.name, { path: verifier.path, secure });
  const outcome = await finishGoogleSignIn(c.var.deps, {
    ...query,
    expectedState,
    codeVerifier,
    userAgent: c.req.header("user-agent"),
    ip: clientIp(c),
  });
  return finishSignIn(c, outcome, "google", 302);
});

endpoint(authRoutes, MOUNT, "POST /api/auth/logout", async (c) => {
  const token = readSessionCookie(c);
  if (token) await revokeSession(c.var.deps, token);
  clearSessionCookie(c);
  return null;
});
