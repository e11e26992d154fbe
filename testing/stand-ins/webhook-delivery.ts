// What the channel stand-ins share when they play the provider calling a webhook: a loopback
// check (the real providers call only https URLs; the stand-ins also call http on this machine,
// nothing else), one delivery with the provider's deadline, and the test routes' JSON input.

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** An http(s) URL on this machine: the only kind a stand-in delivers to over plain http. */
export function isLoopbackUrl(url: URL): boolean {
  return (
    (url.protocol === "http:" || url.protocol === "https:") && LOOPBACK_HOSTS.has(url.hostname)
  );
}

/** What became of one delivery, as the test controls answer it. */
export interface Delivery {
  /** The webhook's HTTP status; null when it did not answer in time or could not be reached. */
  status: number | null;
  /** The status line's reason phrase (Telegram quotes it). */
  statusText?: string;
  /** The webhook's answer, cut at 2,000 characters. */
  body: string;
  ms: number;
  error?: "timeout" | "connection_failed";
}

/**
 * Sends a request the provider's way: one attempt, given up after the provider's deadline,
 * redirects not followed.
 */
export async function deliver(request: Request, deadlineMs: number): Promise<Delivery> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  // Tests and benches reach nothing beyond this machine: elsewhere is as unreachable as a
  // closed port (a webhook set to https://edge.example.com is never called).
  if (!isLoopbackUrl(new URL(request.url)))
    return { status: null, body: "", ms: 0, error: "connection_failed" };
  try {
    const res = await fetch(request, {
      signal: AbortSignal.timeout(deadlineMs),
      redirect: "manual",
    });
    const body = (await res.text()).slice(0, 2000);
    return { status: res.status, statusText: res.statusText, body, ms: ms() };
  } catch (err) {
    const timedOut = err instanceof DOMException && err.name === "TimeoutError";
    return { status: null, body: "", ms: ms(), error: timedOut ? "timeout" : "connection_failed" };
  }
}

export const delivered = (d: Delivery) => d.status !== null && d.status >= 200 && d.status < 300;

/** A test route's JSON body (an object), or a message saying why it is not one. */
export function testInput(
  method: string | undefined,
  raw: Buffer,
): Record<string, unknown> | string {
  if (method !== "POST" || raw.length === 0) return {};
  try {
    const input: unknown = JSON.parse(`${raw}`);
    if (typeof input === "object" && input !== null && !Array.isArray(input))
      return input as Record<string, unknown>;
  } catch {
    // answered below
  }
  return "the body must be a JSON object";
}

/** A random id in the alphabet providers use for theirs. */
export function randomId(length: number, alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") {
  const bytes = crypto.getRandomValues(new Uint8Array(length));
  return [...bytes].map((b) => alphabet[b % alphabet.length]).join("");
}
