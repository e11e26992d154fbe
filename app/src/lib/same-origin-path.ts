// A stand-in origin to resolve against: only whether the result stays on it matters.
const BASE = "https://same-origin.invalid";

/**
 * A path on this site to send a visitor back to, from whatever a query parameter said; "/" when it
 * would lead anywhere else. The input is parsed the way a browser parses a Location (backslashes
 * are slashes, tabs and newlines vanish, dot segments collapse) and the result is re-serialised,
 * so what is returned is exactly what a browser would follow: percent-encoded, free of control
 * characters, and starting with a single "/".
 */
export function sameOriginPath(input: string | null | undefined, fallback = "/"): string {
  if (!input?.startsWith("/")) return fallback;
  let url: URL;
  try {
    url = new URL(input, BASE);
  } catch {
    return fallback;
  }
  if (url.origin !== BASE) return fallback;
  // "/.//evil" resolves to the path "//evil", which a browser would read as another host.
  const path = `${url.pathname.replace(/^\/+/, "/")}${url.search}${url.hash}`;
  return new URL(path, BASE).origin === BASE ? path : fallback;
}
