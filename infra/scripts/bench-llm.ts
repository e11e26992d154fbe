// Part of `npm run bench`: the LLM gateway against the same OpenAI-compatible stand-in called
// directly, in one run, alternating the two: time to first token (and what the gateway adds) and
// the total time of a 1,000-token stream. Measures; asserts nothing.
import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import path from "node:path";
import { OPENAI_KEY } from "../../edge/test/stand-ins/openai-stand-in.ts";
import { startStandIns } from "../../edge/test/stand-ins/stand-in-server.ts";
import { root, signIn, startStack } from "../tests/stack.ts";

const ROUNDS = Number(process.env.BENCH_LLM_ROUNDS ?? 30);
const TOKENS = 1_000;

const standIn = await startStandIns();
const stack = await startStack({
  startAgent: false,
  edgeVars: {
    LLM_UPSTREAM_URL: `${standIn.url}/openai/v1`,
    LLM_UPSTREAM_KEY: OPENAI_KEY,
    LLM_MODELS: JSON.stringify([
      { id: "fast", upstream: "mock-fast", inputEurPerMTok: 0.15, outputEurPerMTok: 0.6 },
    ]),
  },
});
try {
  const client = await signIn(stack.edgeUrl, `bench-llm-${Date.now()}@example.com`);
  const me = (await (await client.api("/api/me")).json()) as { user: { id: string } };
  // A gateway key as a provision would mint it: only the hash goes into D1.
  const key = `iwk_${randomBytes(32).toString("base64url")}`;
  const hash = createHash("sha256").update(key).digest("hex");
  execFileSync(
    path.join(root, "node_modules/.bin/wrangler"),
    [
      "d1",
      "execute",
      "DB",
      "--local",
      "--persist-to",
      stack.persistDir,
      "--command",
      `UPDATE users SET plan = 'business' WHERE id = '${me.user.id}'; INSERT INTO llm_keys (key_hash, employee_id, user_id, created_at) VALUES ('${hash}', 'bench-employee', '${me.user.id}', ${Date.now()})`,
    ],
    { cwd: root, stdio: "ignore", env: { ...process.env, WRANGLER_SEND_METRICS: "false" } },
  );

  const phases: Record<string, number[]> = {};
  const body = (model: string, pace: number) =>
    JSON.stringify({
      model,
      stream: true,
      messages: [
        { role: "user", content: pace ? `tokens:${TOKENS}@${pace}ms` : `tokens:${TOKENS}` },
      ],
    });
  async function timed(
    url: string,
    auth: string,
    model: string,
    pace = 0,
  ): Promise<{ ttft: number; total: number; bytes: number }> {
    const t0 = performance.now();
    const res = await fetch(url, {
      method: "POST",
      headers: { authorization: `Bearer ${auth}`, "content-type": "application/json" },
      body: body(model, pace),
    });
    if (!res.ok || !res.body) throw new Error(`${url} answered ${res.status}: ${await res.text()}`);
    for (const part of (res.headers.get("server-timing") ?? "").split(",")) {
      const m = /^\s*(\w+);dur=(\d+)/.exec(part);
      if (m?.[1] && m[2]) {
        phases[m[1]] ??= [];
        phases[m[1]]?.push(Number(m[2]));
      }
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
    return { ttft, total: performance.now() - t0, bytes };
  }
  const direct = () => timed(`${standIn.url}/openai/v1/chat/completions`, OPENAI_KEY, "mock-fast");
  const gateway = () => timed(`${stack.edgeUrl}/v1/chat/completions`, key, "fast");
  await direct();
  await gateway(); // warm both paths

  const added: number[] = [];
  const ratios: number[] = [];
  const d: number[] = [];
  const g: number[] = [];
  let bytes = 0;
  for (let i = 0; i < ROUNDS; i++) {
    // Alternate which goes first, so neither side always meets a warm or a cold moment.
    let dr: Awaited<ReturnType<typeof direct>>;
    let gw: Awaited<ReturnType<typeof gateway>>;
    if (i % 2 === 0) {
      dr = await direct();
      gw = await gateway();
    } else {
      gw = await gateway();
      dr = await direct();
    }
    g.push(gw.ttft);
    d.push(dr.ttft);
    added.push(gw.ttft - dr.ttft);
    ratios.push(gw.total / dr.total);
    bytes = gw.bytes;
  }
  const pct = (xs: number[], p: number) =>
    [...xs].sort((x, y) => x - y)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))] ??
    Number.NaN;
  console.log(
    `\nLLM gateway benchmark (loopback; ${ROUNDS} alternating pairs; ${TOKENS}-token stream, ${(bytes / 1024).toFixed(0)} KiB)`,
  );
  console.log(
    `  time to first token, direct:    p50 ${pct(d, 50).toFixed(1)} ms, p95 ${pct(d, 95).toFixed(1)} ms`,
  );
  console.log(
    `  time to first token, gateway:   p50 ${pct(g, 50).toFixed(1)} ms, p95 ${pct(g, 95).toFixed(1)} ms`,
  );
  console.log(
    `  added by the gateway:           p50 ${pct(added, 50).toFixed(1)} ms, p95 ${pct(added, 95).toFixed(1)} ms   (target p50 ≤ 5 ms)`,
  );
  console.log(
    `  gateway phases (Server-Timing, p50): ${Object.entries(phases)
      .map(([k, v]) => `${k} ${pct(v, 50)} ms`)
      .join(", ")}`,
  );
  console.log(
    `  total time, gateway / direct:   p50 ${pct(ratios, 50).toFixed(3)}, p95 ${pct(ratios, 95).toFixed(3)}   (target ≤ 1.05; tokens sent as fast as the socket takes them)`,
  );
  // The same, with the stand-in pacing tokens like a fast real model (one every PACE_MS).
  const PACE_MS = 2;
  const paced: number[] = [];
  for (let i = 0; i < Math.min(ROUNDS, 6); i++) {
    const dr = await timed(
      `${standIn.url}/openai/v1/chat/completions`,
      OPENAI_KEY,
      "mock-fast",
      PACE_MS,
    );
    const gw = await timed(`${stack.edgeUrl}/v1/chat/completions`, key, "fast", PACE_MS);
    paced.push(gw.total / dr.total);
  }
  console.log(
    `  total time, gateway / direct:   p50 ${pct(paced, 50).toFixed(3)}, n=${paced.length}   (tokens paced at one per ${PACE_MS} ms: 500 tokens/s)`,
  );
} finally {
  await stack.stop();
  standIn.server.close();
}
