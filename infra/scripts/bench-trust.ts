// `npm run bench` (from bench.ts), issue 18's figures: measures and prints; asserts nothing.
//  (7) OpenClaw asks → the request pushed on GET /api/live, and listed by GET /api/approvals
//      (polled every 50 ms)                                                  (target ≤ 1 s)
//  (8) decision → the command runs: POST /api/approvals/:id allow-once until the time the command
//      printed (`date +ran-%s%3N-…`), and until the employee's answer has it
//  (9) schedule fire → ledger entry: a 6-field `*/5 * * * * *` schedule's runs, from the run's
//      start and from its end until GET …/ledger lists it (polled every 100 ms)
// The real employee image and node agent, the development model behind the LLM gateway,
// wrangler dev; BENCH_TRUST_ROUNDS (8) approvals one after another, BENCH_TRUST_RUNS (5) runs.
// Times across processes are Date.now() on this one machine (the container shares its clock).
import { execFileSync } from "node:child_process";
import path from "node:path";
import { root, sleep } from "../tests/stack.ts";
import {
  answer,
  execMessage,
  fmt,
  listed,
  say,
  startTrustStack,
  type TrustStack,
  word,
} from "../tests/trust-journey.ts";

const ROUNDS = Number(process.env.BENCH_TRUST_ROUNDS ?? 8);
const RUNS = Number(process.env.BENCH_TRUST_RUNS ?? 5);

const pushed: number[] = [];
const listedMs: number[] = [];
const toRun: number[] = [];
const toAnswer: number[] = [];
const fireToListed: number[] = [];
const endToListed: number[] = [];
const runs: string[] = [];

async function approvals(t: TrustStack) {
  for (let i = 0; i < ROUNDS; i++) {
    const w = word("bench");
    const sent = await say(t.owner, t.employeeId, execMessage(`date +ran-%s%3N-${w}`));
    const mine = (a: { employeeId: string; details: { command: string } }) =>
      a.employeeId === t.employeeId && a.details.command.includes(w);
    const [frame, inbox] = await Promise.all([
      t.live.approval(mine),
      listed(t.owner, mine, 120_000, 50),
    ]);
    const requestedAt = Date.parse(inbox.approval.requestedAt);
    pushed.push(frame.at - requestedAt);
    listedMs.push(inbox.at - requestedAt);
    const decidedAt = Date.now();
    await t.owner.call("POST /api/approvals/:id", {
      params: { id: inbox.approval.id },
      body: { decision: "allow-once" },
    });
    const reply = await answer(t.owner, t.employeeId, sent, 120_000, t.logs);
    toAnswer.push(Date.now() - decidedAt);
    const ranAt = Number(new RegExp(`ran-(\\d+)-${w}`).exec(reply.text)?.[1]);
    if (Number.isFinite(ranAt)) toRun.push(ranAt - decidedAt);
    else console.log(`round ${i}: the answer has no run time: ${reply.text.slice(0, 200)}`);
  }
}

async function schedules(t: TrustStack) {
  const { schedule } = await t.owner.call("POST /api/employees/:id/schedules", {
    params: { id: t.employeeId },
    body: { title: "Bench", prompt: "Say tick", cron: "*/5 * * * * *", timeZone: "UTC" },
  });
  const seen = new Set<string>();
  const deadline = Date.now() + RUNS * 5_000 + 180_000;
  try {
    while (seen.size < RUNS && Date.now() < deadline) {
      const { entries } = await t.owner.call("GET /api/employees/:id/ledger", {
        params: { id: t.employeeId },
        query: { kind: "schedule", scheduleId: schedule.id },
      });
      const now = Date.now();
      for (const e of entries) {
        if (seen.has(e.id)) continue;
        seen.add(e.id);
        fireToListed.push(now - Date.parse(e.startedAt));
        endToListed.push(now - Date.parse(e.endedAt));
        runs.push(`${e.outcome} ${e.startedAt}…${e.endedAt} listed ${new Date(now).toISOString()}`);
      }
      await sleep(100);
    }
    if (seen.size < RUNS)
      console.log(`only ${seen.size} scheduled runs in the ledger:\n${t.logs()}`);
  } finally {
    await t.owner.call("DELETE /api/employees/:id/schedules/:scheduleId", {
      params: { id: t.employeeId, scheduleId: schedule.id },
    });
  }
}

// Run alone too (`node infra/scripts/bench-trust.ts`): a Docker engine first.
execFileSync("bash", [path.join(root, "infra/scripts/ensure-docker.sh")], { stdio: "inherit" });
const t = await startTrustStack("instantworker-trust-bench");
try {
  await approvals(t);
  // Autonomous, so a scheduled turn never waits for a person.
  await t.owner.call("PATCH /api/employees/:id", {
    params: { id: t.employeeId },
    body: { autonomy: "autonomous" },
  });
  await schedules(t);
  console.log(
    `\nInstantWorker trust benchmark (loopback; wrangler dev; the real OpenClaw image; the development model; ${ROUNDS} approvals, ${RUNS} scheduled runs)`,
  );
  console.log(
    `(7) OpenClaw asks → pushed on GET /api/live:        ${fmt(pushed)}   (target ≤ 1 s)`,
  );
  console.log(
    `    OpenClaw asks → listed by GET /api/approvals:   ${fmt(listedMs)}   (target ≤ 1 s)`,
  );
  console.log(`(8) allow-once → the command runs:                  ${fmt(toRun)}`);
  console.log(`    allow-once → the answer with its output:        ${fmt(toAnswer)}`);
  console.log(`(9) schedule fires → its run in the ledger:         ${fmt(fireToListed)}`);
  console.log(`    runs: ${runs.join("; ")}`);
  console.log(`    the run ends → in the ledger:                   ${fmt(endToListed)}`);
} finally {
  await t.stop();
}
