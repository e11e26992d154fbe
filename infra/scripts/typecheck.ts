import { spawnSync } from "node:child_process";
import path from "node:path";
import { root, tsconfigs } from "./project.ts";

let failed = 0;
for (const tsconfig of tsconfigs) {
  const r = spawnSync(path.join(root, "node_modules/.bin/tsc"), ["-p", tsconfig], {
    cwd: root,
    stdio: "inherit",
  });
  console.log(`${r.status === 0 ? "✓" : "✗"} ${tsconfig}`);
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
