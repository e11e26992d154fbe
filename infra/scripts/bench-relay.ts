// The node agent's LLM relay against the same loopback gateway called directly, alternating the
// two: what naming the caller by its address, attaching its key and the path allowlist add to
// the time to first byte. The relay runs in this process with its real address cache and key
// store (the runtime's lookup is a map here: the cached path is the hot one); the gateway
// stand-in streams its first byte at once. Measures and prints; asserts nothing.
// `bash infra/scripts/with-node.sh node infra/scripts/bench-relay.ts`
import { mkdtempSync, rmSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { EmployeeAddresses } from "../../node-agent/llm-relay/employee-addresses.ts";
import { EmployeeKeys } from "../../node-agent/llm-relay/employee-keys.ts";
import { startLlmRelay } from "../../node-agent/llm-relay/llm-relay.ts";
import { createLogger } from "../../node-agent/logger.ts";

const ROUNDS = Number(process.env.BENCH_RELAY_ROUNDS ?? 300);
const BODY = JSON.stringify({
  model: "auto",
  stream: true,
  messages: [{ role: "user", content: "x".repeat(4000) }],
});

const gateway = http.createServer((req, res) => {
  req.resume();
  req.on("end", () => {
    res.writeHead(200, { "content-type": "text/event-stream" });
    res.write('data: {"choices":[{"delta":{"content":"a"}}]}\n\n');
    setTimeout(() => res.end("data: [DONE]\n\n"), 2);
  });
});
await new Promise<void>((r) => gateway.listen(0, "127.0.0.1", r));
const gatewayPort = (gateway.address() as AddressInfo).port;

const dir = mkdtempSync(path.join(tmpdir(), "iw-bench-relay-"));
const keys = new EmployeeKeys(dir);
keys.put("bench-employee", "iwk_bench_key_000000000000000000000000");
const addresses = new EmployeeAddresses({
  employeeAddresses: async () => new Map([["127.0.0.1", "bench-employee"]]),
  watch: () => () => {},
});
const relay = await startLlmRelay({
  host: "127.0.0.1",
  port: 0,
  upstream: `http://127.0.0.1:${gatewayPort}/v1`,
  addresses,
  keys,
  log: createLogger("warn"),
});
const relayPort = (relay.address() as AddressInfo).port;

// One kept-alive connection each, as OpenClaw's client keeps one.
const agents = {
  direct: new http.Agent({ keepAlive: true }),
  relay: new http.Agent({ keepAlive: true }),
};
function call(which: "direct" | "relay"): Promise<{ ttfb: number; total: number }> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: "127.0.0.1",
        port: which === "direct" ? gatewayPort : relayPort,
        path: "/v1/chat/completions",
        method: "POST",
        agent: agents[which],
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(BODY) },
      },
      (res) => {
        let first = 0;
        res.on("data", () => {
          first ||= performance.now();
        });
        res.on("end", () => resolve({ ttfb: first - started, total: performance.now() - started }));
      },
    );
    req.on("error", reject);
    req.end(BODY);
  });
}

const pct = (xs: number[], p: number) =>
  [...xs].sort((x, y) => x - y)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ??
  Number.NaN;
const ms = (x: number) => `${x.toFixed(2)} ms`;

try {
  for (let i = 0; i < 20; i++) await Promise.all([call("direct"), call("relay")]); // warm-up
  const direct: number[] = [];
  const relayed: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    // Alternate which goes first, so neither always gets the warmer machine.
    if (i % 2) {
      direct.push((await call("direct")).ttfb);
      relayed.push((await call("relay")).ttfb);
    } else {
      relayed.push((await call("relay")).ttfb);
      direct.push((await call("direct")).ttfb);
    }
  }
  console.log(`relay bench: ${ROUNDS} alternating pairs, a 4 KB streamed chat request each`);
  console.log(
    `  time to first byte direct p50 ${ms(pct(direct, 50))} p95 ${ms(pct(direct, 95))}; through the relay p50 ${ms(pct(relayed, 50))} p95 ${ms(pct(relayed, 95))}`,
  );
  console.log(
    `  added by the relay: p50 ${ms(pct(relayed, 50) - pct(direct, 50))}, p95 ${ms(pct(relayed, 95) - pct(direct, 95))}`,
  );
} finally {
  relay.close();
  gateway.close();
  addresses.close();
  for (const a of Object.values(agents)) a.destroy();
  rmSync(dir, { recursive: true, force: true });
}
