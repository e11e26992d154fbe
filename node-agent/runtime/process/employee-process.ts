// A stand-in employee for development machines without a Docker engine: it answers OpenClaw's
// health endpoints on the address and port it is given, and nothing else.
import { createServer } from "node:http";

const port = Number(process.env.PORT);
const name = process.env.EMPLOYEE_NAME ?? "employee";
createServer((req, res) => {
  if (req.url === "/healthz" || req.url === "/readyz") {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ ok: true }));
    return;
  }
  res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
  res.end(
    `<!doctype html><title>${name}</title><p>${name} runs as a local process (development runtime).</p>`,
  );
}).listen(port, process.env.HOST ?? "127.0.0.1");
process.on("SIGTERM", () => process.exit(0));
