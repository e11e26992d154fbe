import type { ServerResponse } from "node:http";
import { BrowserPage } from "../../edge/contract/browser-view.ts";

// The page the employee's Chromium shows, for the browser view's title bar: the container's
// page-info.mjs (infra/employee) reads it from DevTools on the container's loopback and answers on
// this port, which only the node reaches (the employee network keeps containers apart). The proxy
// serves it as /__iw/page on <employee>.vnc.<domain> to a holder of that employee's browser grant.
export const PAGE_INFO_PORT = 6081;
export const PAGE_TIMEOUT_MS = 3_000;
const MAX_PAGE_BYTES = 8 * 1024;

// The app asks from its own origin with the grant in an Authorization header, never with cookies,
// so any origin may read the answer: without the grant there is nothing but a 401 to read.
const CORS = {
  "access-control-allow-origin": "*",
  "access-control-allow-methods": "GET",
  "access-control-allow-headers": "authorization",
  "access-control-max-age": "600",
};

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...CORS,
    "content-type": "application/json",
    "cache-control": "no-store",
    "content-length": Buffer.byteLength(text),
  });
  res.end(text);
}

const error = (res: ServerResponse, status: number, code: string, message: string) =>
  json(res, status, { error: { code, message } });

export function answerPagePreflight(res: ServerResponse): void {
  res.writeHead(204, { ...CORS, "cache-control": "no-store" });
  res.end();
}

export function refusePage(res: ServerResponse): void {
  error(res, 401, "access_denied", "This link has expired or is not for this employee.");
}

/** Asks the container and passes on a {title, url} it answers, checked and bounded. */
export async function servePage(
  res: ServerResponse,
  target: { host: string; port: number } | null,
): Promise<void> {
  if (!target) return error(res, 502, "employee_unreachable", "The employee is not reachable.");
  const starting = () => error(res, 503, "browser_starting", "The employee's browser is starting.");
  try {
    const up = await fetch(`http://${target.host}:${target.port}/page`, {
      signal: AbortSignal.timeout(PAGE_TIMEOUT_MS),
      redirect: "error",
    });
    const text = up.ok ? await readAtMost(up, MAX_PAGE_BYTES) : null;
    if (text === null) {
      await up.body?.cancel().catch(() => undefined);
      return starting();
    }
    const page = BrowserPage.safeParse(JSON.parse(text));
    if (!page.success) return starting();
    json(res, 200, { title: page.data.title, url: page.data.url });
  } catch {
    starting();
  }
}

// The container answers this, so it may answer without end: its body is read only up to `max`
// bytes (null past that), never whole into memory first.
async function readAtMost(res: Response, max: number): Promise<string | null> {
  if (!res.body) return "";
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel().catch(() => undefined);
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}
