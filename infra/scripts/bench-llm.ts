// Part of `npm run bench`: the LLM gateway against the same OpenAI-compatible stand-in called
// directly, in one run, alternating the two. The Worker is the bundle `wrangler deploy` uploads,
// in workerd with local D1 and Durable Objects, on its own socket (infra/tests/deployed-edge.ts);
// the stand-in runs in a process of its own. Measures and prints; asserts nothing.
import { createHash, randomBytes } from "node:crypto";
import { OPENAI_KEY } from "../../testing/stand-ins/openai-stand-in.ts";
import { startStandInProcess } from "../../testing/stand-ins/stand-in-process.ts";
import { startDeployedEdge } from "../tests/deployed-edge.ts";

const ROUNDS = Number(process.env.BENCH_LLM_ROUNDS ?? 20);
const BURST_ROUNDS = 30;
const TOKENS = 1_000;
// A model streaming 1,000 tokens per second: faster than hosted models stream today, so the
// gateway's share of the total is shown at its largest.
const PACE_MS = 1;

const standIn = await startStandInProcess();
const edge = await startDeployedEdge({
  ENVIRONMENT: "development",
  APP_URL: "http://127.0.0.1:8787",
  VERSION: "bench",
  LLM_UPSTREAM_URL: `${standIn.url}/openai/v1`,
  LLM_UPSTREAM_KEY: OPENAI_KEY,
  LLM_MODELS: JSON.stringify([
    { id: "fast", upstream: "mock-fast", inputEurPerMTok: 0.15, outputEurPerMTok: 0.6 },
  ]),
});

const pct = (xs: number[], p: number) =>
  [...xs].sort((x, y) => x - y)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ??
  Number.NaN;
const ms = (x: number) => `${x.toFixed(1)} ms`;

try {
  // An account on the largest plan and two gateway keys as a provision mints them (only their
  // hashes in D1): one for the runs, one first used later to show a lookup the cache has not seen.
  const accountId = crypto.randomUUID();
  const mint = () => `iwk_${randomBytes(32).toString("base64url")}`;
  const key = mint();
  const freshKey = mint();
  const now = Date.now();
  const keyRow = (k: string) =>
    edge.db
      .prepare(
        "INSERT INTO llm_keys (key_hash, employee_id, account_id, created_at) VALUES (?, ?, ?, ?)",
      )
      .bind(createHash("sha256").update(k).digest("hex"), crypto.randomUUID(), accountId, now);
  await edge.db.batch([
    edge.db
      .prepare(
        "INSERT INTO accounts (id, name, plan, trial_ends_at, created_at, updated_at) VALUES (?, ?, 'business', ?, ?, ?)",
      )
      .bind(accountId, `bench-llm-${now}`, now, now, now),
    keyRow(key),
    keyRow(freshKey),
  ]);

  interface Timed {
    ttft: number;
    total: number;
    bytes: number;
    phases: Record<string, number>;
  }
  async function timed(url: string, auth: string, model: string, content: string): Promise<Timed> {
    const t0 = performance.now();
    const res = await fetch(url, {
      method: "POST",
      headers: { authorization: `Bearer ${auth}`, "content-type": "application/json" },
      body: JSON.stringify({ model, stream: true, messages: [{ role: "user", content }] }),
    });
    if (!res.ok || !res.body) throw new Error(`${url} answered ${res.status}: ${await res.text()}`);
    const phases: Record<string, number> = {};
    for (const part of (res.headers.get("server-timing") ?? "").split(",")) {
      const m = /^\s*(\w+);dur=(\d+)/.exec(part);
      if (m?.[1] && m[2]) phases[m[1]] = Number(m[2]);
    }
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    let ttft = 0;
    let bytes = 0;
    let seen = "";
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.byteLength;
      if (!ttft) {
        seen += decoder.decode(value, { stream: true });
        if (seen.includes('"content":"t0 "')) ttft = performance.now() - t0;
      }
    }
    return { ttft, total: performance.now() - t0, bytes, phases };
  }
  const direct = (content: string) =>
    timed(`${standIn.url}/openai/v1/chat/completions`, OPENAI_KEY, "mock-fast", content);
  const gateway = (content: string, auth = key) =>
    timed(`${edge.url}/v1/chat/completions`, auth, "fast", content);

  // Alternates which goes first, so neither side always meets a warm or a cold moment.
  async function pairs(content: string, rounds: number) {
    const out: { d: Timed; g: Timed }[] = [];
    for (let i = 0; i < rounds; i++) {
      if (i % 2 === 0) {
        const d = await direct(content);
        out.push({ d, g: await gateway(content) });
      } else {
        const g = await gateway(content);
        out.push({ d: await direct(content), g });
      }
    }
    return out;
  }

  // What Miniflare's entry worker would add to every request (a local shim, not in production).
  const health = async (origin: string) => {
    const t: number[] = [];
    for (let i = 0; i < 100; i++) {
      const t0 = performance.now();
      await (await fetch(`${origin}/api/health`)).text();
      t.push(performance.now() - t0);
    }
    return pct(t.slice(10), 50);
  };
  const viaEntry = (await health(edge.entryUrl)) - (await health(edge.url));

  const paced = `tokens:${TOKENS}@${PACE_MS}ms`;
  const burst = `tokens:${TOKENS}`;
  await pairs(burst, 3); // warm both paths
  const uncached = await pairs(paced, 1).then(async ([p]) => ({
    d: p?.d,
    g: await gateway(paced, freshKey), // this isolate's first sight of the key: looked up in D1
  }));

  const runs = await pairs(paced, ROUNDS);
  const of = (pick: (r: { d: Timed; g: Timed }) => number, from = runs) => from.map(pick);
  const p50 = (xs: number[]) => pct(xs, 50);
  const spread = (xs: number[], fmt = ms) => `p50 ${fmt(p50(xs))}, p95 ${fmt(pct(xs, 95))}`;
  const phases = Object.keys(runs[0]?.g.phases ?? {}).map(
    (n) => `${n} ${p50(of((r) => r.g.phases[n] ?? 0))} ms`,
  );
  console.log(
    `\nLLM gateway benchmark (deployed bundle in workerd, loopback; ${ROUNDS} alternating pairs of a ${TOKENS}-token stream at one token per ${PACE_MS} ms, ${((runs[0]?.g.bytes ?? 0) / 1024).toFixed(0)} KiB)`,
  );
  console.log(`  time to first token, direct:    ${spread(of((r) => r.d.ttft))}`);
  console.log(`  time to first token, gateway:   ${spread(of((r) => r.g.ttft))}`);
  console.log(
    `  added by the gateway:           ${spread(of((r) => r.g.ttft - r.d.ttft))}   (target p50 ≤ 5 ms)`,
  );
  console.log(`  gateway phases (Server-Timing, p50): ${phases.join(", ")}`);
  console.log(
    `  measured on the Worker's own socket: Miniflare's entry worker would add ${ms(viaEntry)} a request (GET /api/health, p50)`,
  );
  console.log(
    `  a key's first request in an isolate (looked up in D1): time to first token ${ms(uncached.g.ttft)} (direct ${ms(uncached.d?.ttft ?? Number.NaN)}), auth ${uncached.g.phases.auth ?? "?"} ms`,
  );
  console.log(
    `  total time, direct:             p50 ${ms(p50(of((r) => r.d.total)))}; gateway p50 ${ms(p50(of((r) => r.g.total)))}`,
  );
  console.log(
    `  total time, gateway / direct:   ${spread(
      of((r) => r.g.total / r.d.total),
      (x) => x.toFixed(3),
    )}   (target ≤ 1.05)`,
  );

  // The same stream sent as fast as the socket takes it (no model is this fast): what the gateway
  // costs per chunk, apart from waiting for a model.
  const bursts = await pairs(burst, BURST_ROUNDS);
  const dTotal = p50(of((r) => r.d.total, bursts));
  const gTotal = p50(of((r) => r.g.total, bursts));
  console.log(
    `  unpaced ${TOKENS} tokens (${BURST_ROUNDS} pairs): direct p50 ${ms(dTotal)}, gateway p50 ${ms(gTotal)}: ${Math.round((TOKENS / gTotal) * 1000).toLocaleString("en")} tokens/s through the gateway, ${ms(gTotal - dTotal)} added in all`,
  );
} finally {
  await edge.stop();
  await standIn.stop();
}
