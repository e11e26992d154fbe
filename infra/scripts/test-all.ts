// `npm test`: typechecks every runtime's tsconfig, lints, runs every suite, and ends with one
// line `N passed, N failed` summed over all of them (a typecheck or the lint counts as one).
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { root, tsconfigs } from "./project.ts";

interface Outcome {
  name: string;
  passed: number;
  failed: number;
  skipped: number;
  seconds: number;
  /** The failed tests' names, listed again under the summary (a CI log may keep only its tail). */
  failures?: string[];
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      cwd: root,
      stdio: "inherit",
      env: { ...process.env, ...env },
    });
    child.on("exit", (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

const bin = (name: string) => path.join(root, "node_modules/.bin", name);

async function check(name: string, cmd: string, args: string[]): Promise<Outcome> {
  const started = Date.now();
  console.log(`\n▶ ${name}`);
  const code = await run(cmd, args);
  const seconds = (Date.now() - started) / 1000;
  return { name, passed: code === 0 ? 1 : 0, failed: code === 0 ? 0 : 1, skipped: 0, seconds };
}

// A script that prints its own `N passed, N failed` as its last such line (check-imports.ts).
async function countedSuite(name: string, script: string): Promise<Outcome> {
  const started = Date.now();
  console.log(`\n▶ ${name}`);
  let out = "";
  const code = await new Promise<number>((resolve) => {
    const child = spawn(process.execPath, [script], {
      cwd: root,
      stdio: ["ignore", "pipe", "inherit"],
    });
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      process.stdout.write(chunk);
    });
    child.on("exit", (c, signal) => resolve(c ?? (signal ? 1 : 0)));
  });
  const seconds = (Date.now() - started) / 1000;
  const counts = [...out.matchAll(/^(\d+) passed, (\d+) failed$/gm)].at(-1);
  const passed = Number(counts?.[1] ?? 0);
  // A script that died before counting did fail.
  const failed = Number(counts?.[2] ?? 0) + (code !== 0 && !Number(counts?.[2]) ? 1 : 0);
  return { name, passed, failed, skipped: 0, seconds };
}

interface VitestJson {
  testResults?: {
    name: string;
    assertionResults?: { fullName?: string; title: string; status: string }[];
  }[];
  numPassedTests: number;
  numFailedTests: number;
  numPendingTests: number;
  numTodoTests: number;
  numTotalTestSuites: number;
  numFailedTestSuites: number;
}

async function vitestSuite(name: string, config: string): Promise<Outcome> {
  const started = Date.now();
  console.log(`\n▶ ${name} (vitest ${config})`);
  const out = path.join(mkdtempSync(path.join(tmpdir(), "iw-test-")), "report.json");
  const code = await run(bin("vitest"), [
    "run",
    "--config",
    config,
    "--reporter=default",
    "--reporter=json",
    `--outputFile.json=${out}`,
  ]);
  const seconds = (Date.now() - started) / 1000;
  try {
    const r = JSON.parse(readFileSync(out, "utf8")) as VitestJson;
    // A suite whose file failed to load has no failed tests but did fail: count it.
    const failed = r.numFailedTests + (code !== 0 && r.numFailedTests === 0 ? 1 : 0);
    const failures = (r.testResults ?? []).flatMap((file) =>
      (file.assertionResults ?? [])
        .filter((t) => t.status === "failed")
        .map((t) => `${path.relative(root, file.name)} > ${t.fullName ?? t.title}`),
    );
    return {
      name,
      passed: r.numPassedTests,
      failed,
      skipped: r.numPendingTests + r.numTodoTests,
      seconds,
      failures,
    };
  } catch {
    return { name, passed: 0, failed: 1, skipped: 0, seconds };
  }
}

interface PlaywrightSuite {
  title: string;
  file?: string;
  specs?: { title: string; ok: boolean }[];
  suites?: PlaywrightSuite[];
}

interface PlaywrightJson {
  stats: { expected: number; unexpected: number; flaky: number; skipped: number };
  suites?: PlaywrightSuite[];
}

const failedSpecs = (suites: PlaywrightSuite[] = [], trail: string[] = []): string[] =>
  suites.flatMap((s) => {
    const here = [...trail, s.title].filter(Boolean);
    return [
      ...(s.specs ?? []).filter((t) => !t.ok).map((t) => [...here, t.title].join(" > ")),
      ...failedSpecs(s.suites, here),
    ];
  });

async function playwrightSuite(name: string, config: string): Promise<Outcome> {
  const started = Date.now();
  console.log(`\n▶ ${name} (playwright ${config})`);
  const out = path.join(mkdtempSync(path.join(tmpdir(), "iw-test-")), "report.json");
  const code = await run(bin("playwright"), ["test", "-c", config], { PW_JSON_OUTPUT: out });
  const seconds = (Date.now() - started) / 1000;
  try {
    const report = JSON.parse(readFileSync(out, "utf8")) as PlaywrightJson;
    const { stats } = report;
    const failed = stats.unexpected + (code !== 0 && stats.unexpected === 0 ? 1 : 0);
    return {
      name,
      passed: stats.expected + stats.flaky,
      failed,
      skipped: stats.skipped,
      seconds,
      failures: failedSpecs(report.suites),
    };
  } catch {
    return { name, passed: 0, failed: 1, skipped: 0, seconds };
  }
}

const started = Date.now();
const outcomes: Outcome[] = [];
for (const tsconfig of tsconfigs) {
  outcomes.push(await check(`typecheck ${tsconfig}`, bin("tsc"), ["-p", tsconfig]));
}
outcomes.push(await check("lint (biome)", bin("biome"), ["check", "."]));
outcomes.push(await countedSuite("imports (cycles, layers)", "infra/scripts/check-imports.ts"));
outcomes.push(await vitestSuite("edge units (Node)", "edge/vitest.unit.config.ts"));
outcomes.push(await vitestSuite("testing (stand-ins, dev model)", "testing/vitest.config.ts"));
outcomes.push(await vitestSuite("edge", "edge/vitest.config.ts"));
outcomes.push(await vitestSuite("node-agent unit (no Docker)", "node-agent/vitest.unit.config.ts"));
outcomes.push(await vitestSuite("node-agent (real Docker)", "node-agent/vitest.config.ts"));
outcomes.push(await vitestSuite("e2e (wrangler dev + agent + Docker)", "infra/vitest.config.ts"));
outcomes.push(await vitestSuite("app components (happy-dom)", "app/vitest.config.ts"));
outcomes.push(
  await playwrightSuite("ui (Chromium, whole local stack)", "app/e2e/playwright.config.ts"),
);
outcomes.push(
  await playwrightSuite(
    "ui, real employee (Chromium, OpenClaw image)",
    "app/e2e/real/playwright.config.ts",
  ),
);

console.log("\nSummary");
for (const o of outcomes) {
  const skipped = o.skipped ? `, ${o.skipped} skipped` : "";
  console.log(
    `  ${o.failed ? "✗" : "✓"} ${o.name}: ${o.passed} passed, ${o.failed} failed${skipped} (${o.seconds.toFixed(1)} s)`,
  );
  for (const f of o.failures ?? []) console.log(`      ✗ ${f}`);
}
const sum = (k: "passed" | "failed" | "skipped") => outcomes.reduce((n, o) => n + o[k], 0);
console.log(`  total time ${((Date.now() - started) / 1000).toFixed(1)} s`);
const skipped = sum("skipped");
console.log(
  `${sum("passed")} passed, ${sum("failed")} failed${skipped ? `, ${skipped} skipped` : ""}`,
);
process.exit(sum("failed") === 0 ? 0 : 1);
