// The page the employee's Chromium shows, for the browser view's title bar: GET /page answers
// {title, url} of the most recently active tab, read from Chromium's DevTools endpoint on the
// container's loopback. DevTools itself stays there (whoever reaches it drives the browser); only
// this answer leaves the container, to the node's access proxy (the employee network keeps
// containers apart), which serves it as /__iw/page to a holder of a browser grant.
//
// Plain JavaScript on purpose, like supervise.mjs: the image's Node runs it as it is.
import { createServer } from "node:http";

const PORT = 6081;
// Chromium's remote debugging port (supervise.mjs), where OpenClaw attaches too.
const TARGETS = "http://127.0.0.1:18800/json/list";
const MAX_TITLE = 300;
const MAX_URL = 2_000;

const answer = (res, status, body) => {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
};

createServer(async (req, res) => {
  if (req.method !== "GET" || req.url !== "/page") return answer(res, 404, { error: "not_found" });
  try {
    const r = await fetch(TARGETS, { signal: AbortSignal.timeout(2_000) });
    const targets = await r.json();
    // Chromium lists targets most recently active first: the first page is the one on screen.
    const page = Array.isArray(targets) ? targets.find((t) => t?.type === "page") : undefined;
    answer(res, 200, {
      title: String(page?.title ?? "").slice(0, MAX_TITLE),
      url: String(page?.url ?? "").slice(0, MAX_URL),
    });
  } catch {
    // Chromium is (re)starting: the view says "starting the browser" meanwhile.
    answer(res, 503, { error: "browser_starting" });
  }
}).listen(PORT, "0.0.0.0");
