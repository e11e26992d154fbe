// The import graph's rules, checked with dependency-cruiser: no cycle anywhere in the repository
// (type-only imports count: a cycle of types is a knot to untie as much as one of values), and
// the edge's layers run one way, routes → services → objects → store. Prints each rule, what
// breaks it, and `N passed, N failed` like every suite of `npm test`.
import { existsSync } from "node:fs";
import path from "node:path";
import { cruise, type ICruiseOptions, type IForbiddenRuleType } from "dependency-cruiser";
import { root } from "./project.ts";

const SCANNED = ["edge", "node-agent", "app", "infra", "db", "templates", "testing"];
const NOT_SOURCE = "(^|/)(node_modules|\\.tools|\\.wrangler|\\.output|\\.vinxi|dist|test-results)/";

const rules: IForbiddenRuleType[] = [
  {
    name: "no-cycle",
    comment: "No module may import itself through others, anywhere in the repository.",
    from: {},
    to: { circular: true },
  },
  {
    name: "objects-below-services",
    comment: "Durable Objects call the store, never the service verbs or the routes above them.",
    from: { path: "^edge/objects/" },
    to: { path: "^edge/(services|routes|http)/|^edge/app\\.ts$" },
  },
  {
    name: "store-at-the-bottom",
    comment:
      "The store is plain functions over D1 and R2: no objects, verbs, routes, HTTP or Hono.",
    from: { path: "^edge/store/" },
    to: { path: "^edge/(objects|services|routes|http)/|^edge/app\\.ts$|(^|/)node_modules/hono/" },
  },
  {
    name: "services-below-routes",
    comment: "Service verbs are called by routes, cron and webhooks; they never call a route.",
    from: { path: "^edge/services/" },
    to: { path: "^edge/routes/|^edge/app\\.ts$" },
  },
];

const options: ICruiseOptions = {
  exclude: { path: NOT_SOURCE },
  doNotFollow: { path: "(^|/)node_modules/" },
  // Keep `import type`: the check is about how the code is tied together, not only what runs.
  tsPreCompilationDeps: true,
  validate: true,
  ruleSet: { forbidden: rules.map((r) => ({ ...r, severity: "error" as const })) },
};

process.chdir(root);
const targets = SCANNED.filter((dir) => existsSync(path.join(root, dir)));
const result = await cruise(targets, options);
if (typeof result.output === "string") throw new Error("expected a structured result");
const violations = result.output.summary.violations;

let passed = 0;
let failed = 0;
for (const rule of rules) {
  const broken = violations.filter((v) => v.rule.name === rule.name);
  if (broken.length === 0) {
    passed++;
    console.log(`  ✓ ${rule.name}: ${rule.comment}`);
    continue;
  }
  failed++;
  console.log(`  ✗ ${rule.name}: ${rule.comment}`);
  const seen = new Set<string>();
  for (const v of broken) {
    const cycle = v.cycle?.map((step) => step.name);
    // One cycle is reported once for each of its edges: show each ring once.
    const key = cycle ? [...cycle].sort().join(" ") : `${v.from} ${v.to}`;
    if (seen.has(key)) continue;
    seen.add(key);
    console.log(cycle ? `      ${v.from} → ${cycle.join(" → ")}` : `      ${v.from} → ${v.to}`);
  }
}
console.log(`${result.output.summary.totalCruised} modules checked`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
