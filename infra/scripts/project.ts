import path from "node:path";
import { fileURLToPath } from "node:url";

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

// One tsconfig per runtime; `npm test` and `npm run typecheck` check each of them.
export const tsconfigs = [
  "edge/tsconfig.json",
  "infra/tsconfig.json",
  "node-agent/tsconfig.json",
  "app/tsconfig.json",
  "testing/tsconfig.json",
];
