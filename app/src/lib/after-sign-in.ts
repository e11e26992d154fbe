import { sameOriginPath } from "./same-origin-path.ts";

// Where to go once signed in, for a visitor who started somewhere that needs a session (an
// invitation). The edge sends every sign-in to /dashboard or /onboarding and takes no return
// address (auth-routes.ts: nothing a request carries picks the destination), so the page keeps it
// in this browser and the layout follows it on arrival. Kept an hour: a sign-in link lives 15 min.
export const AFTER_SIGN_IN_KEY = "iw-after-sign-in";
export const AFTER_SIGN_IN_TTL_MS = 60 * 60 * 1000;
/** The pages the edge lands a fresh sign-in on. */
export const SIGN_IN_LANDINGS = ["/dashboard", "/onboarding"];

export function rememberAfterSignIn(path: string, now = Date.now()): void {
  try {
    localStorage.setItem(
      AFTER_SIGN_IN_KEY,
      JSON.stringify({ path, until: now + AFTER_SIGN_IN_TTL_MS }),
    );
  } catch {
    // Storage off (private mode): the visitor comes back through the emailed link instead.
  }
}

export function forgetAfterSignIn(): void {
  try {
    localStorage.removeItem(AFTER_SIGN_IN_KEY);
  } catch {
    // as above
  }
}

/** The remembered path, once: it is forgotten as it is read. null when none or too old. */
export function takeAfterSignIn(now = Date.now()): string | null {
  let saved: { path?: unknown; until?: unknown } | null = null;
  try {
    saved = JSON.parse(localStorage.getItem(AFTER_SIGN_IN_KEY) ?? "null");
  } catch {
    saved = null;
  }
  forgetAfterSignIn();
  if (!saved || typeof saved.path !== "string" || typeof saved.until !== "number") return null;
  if (saved.until < now) return null;
  const path = sameOriginPath(saved.path, "");
  return path || null;
}
