import { readFileSync } from "node:fs";
import path from "node:path";
import type { EmployeeSpec } from "../../edge/protocol/frames.ts";
import { renderWorkspace } from "../../templates/render-workspace.ts";
import type { TarEntry } from "../runtime/tar.ts";
import {
  type HeartbeatFacts,
  type NetworkFacts,
  OWN_FILES_DIR,
  openclawConfig,
  STATE_DIR,
  WORKSPACE_DIR,
} from "./openclaw-config.ts";

export const EMPLOYEE_UID = 1000;
const TEMPLATES_DIR = path.resolve(import.meta.dirname, "../../templates");

const file = (p: string, content: string, mode = 0o644): TarEntry => ({
  path: p,
  content: Buffer.from(content),
  mode,
  uid: EMPLOYEE_UID,
  gid: EMPLOYEE_UID,
});
const dir = (p: string): TarEntry => ({
  path: p,
  mode: 0o755,
  uid: EMPLOYEE_UID,
  gid: EMPLOYEE_UID,
});

// Everything the agent writes into an employee's volume (relative to /data) at provision and
// after every settings change (team-files/ is a read-only mount and never written this way): the rendered workspace and openclaw.json. What the employee
// writes itself (MEMORY.md, memory/, its sessions) is never in this list, so a re-render keeps it.
// `heartbeat`: what the last schedules.sync said (schedule-state.ts), so a re-render keeps it.
export function workspaceEntries(
  spec: EmployeeSpec,
  net: NetworkFacts,
  heartbeat: HeartbeatFacts = null,
): TarEntry[] {
  const rendered = renderWorkspace(
    {
      name: spec.name,
      role: spec.role,
      tone: spec.tone,
      skills: spec.skills,
      customer: spec.customer ?? { name: "your customer", email: "unknown" },
    },
    (p) => readFileSync(path.join(TEMPLATES_DIR, p), "utf8"),
  );
  const entries: TarEntry[] = [
    dir(STATE_DIR),
    dir(WORKSPACE_DIR),
    dir(`${WORKSPACE_DIR}/memory`),
    dir(`${WORKSPACE_DIR}/skills`),
    dir(OWN_FILES_DIR),
  ];
  for (const [name, content] of rendered) {
    const parent = path.posix.dirname(name);
    if (parent !== ".") entries.push(dir(`${WORKSPACE_DIR}/${parent}`));
    entries.push(file(`${WORKSPACE_DIR}/${name}`, content));
  }
  // No key is in here (the relay attaches it); still the employee's user's alone, as OpenClaw wants.
  entries.push(
    file(
      `${STATE_DIR}/openclaw.json`,
      `${JSON.stringify(openclawConfig(spec, net, heartbeat), null, 2)}\n`,
      0o600,
    ),
  );
  return entries;
}
