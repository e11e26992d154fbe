// Where the agent keeps each employee's gateway key: its own state folder, written by the
// provision command, deleted with the employee; and taken once out of an older openclaw.json.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CommandExecutor } from "../hub/command-executor.ts";
import { adoptKeys } from "../llm-relay/adopt-keys.ts";
import { EmployeeKeys, KEYS_DIR } from "../llm-relay/employee-keys.ts";
import { createLogger } from "../logger.ts";
import { ProcessRuntime } from "../runtime/process/process-runtime.ts";

const dir = mkdtempSync(path.join(tmpdir(), "iw-keys-"));
const log = createLogger("silent");
const runtime = new ProcessRuntime({ workdir: path.join(dir, "work"), log });
const keys = new EmployeeKeys(path.join(dir, "state"));
const spec = (employeeId: string, apiKey?: string) => ({
  employeeId,
  accountId: "u1",
  name: "K",
  role: "researcher",
  tone: "concise",
  skills: [],
  ...(apiKey ? { llm: { baseUrl: "https://edge.example/v1", apiKey } } : {}),
});
const KEY = "iwk_provisioned_key_0000000000000000";

afterAll(async () => {
  for (const i of await runtime.inventory()) await runtime.remove(i.employeeId);
  rmSync(dir, { recursive: true, force: true });
});

describe("employees' gateway keys on the node", () => {
  it("are kept 0600 from the provision command, survive a restart, and go with the employee", async () => {
    const executor = new CommandExecutor(runtime, log, {
      configure: async () => [],
      knowledge: {} as never,
      keys,
    });
    const id = `k${process.pid}`;
    const provisioned = await executor.run({
      type: "container.provision",
      id: "c1",
      employeeId: id,
      spec: spec(id, KEY),
    });
    expect(provisioned.ok).toBe(true);
    const file = path.join(dir, "state", KEYS_DIR, id);
    expect(readFileSync(file, "utf8")).toBe(KEY);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    expect(new EmployeeKeys(path.join(dir, "state")).get(id)).toBe(KEY); // a restarted agent
    // A spec for another employee than the command names is refused and stores nothing.
    const mismatched = await executor.run({
      type: "container.provision",
      id: "c2",
      employeeId: id,
      spec: spec("someone-else", "iwk_someone_elses_key_000000000000000"),
    });
    expect(mismatched.ok).toBe(false);
    expect(keys.get(id)).toBe(KEY);
    const removed = await executor.run({ type: "container.remove", id: "c3", employeeId: id });
    expect(removed.ok).toBe(true);
    expect(existsSync(file)).toBe(false);
    expect(keys.get(id)).toBeUndefined();
  });

  it("are taken once out of an openclaw.json written before the relay attached them", async () => {
    const older = `o${process.pid}`;
    const newer = `n${process.pid}`;
    for (const id of [older, newer]) await runtime.provision(spec(id));
    const config = (apiKey: string) => ({
      path: "openclaw/openclaw.json",
      content: Buffer.from(
        JSON.stringify({ models: { providers: { instantworker: { apiKey } } } }),
      ),
    });
    await runtime.writeFiles(older, [config("iwk_older_key_in_the_volume_000000000")]);
    await runtime.writeFiles(newer, [config("attached-by-the-instantworker-relay")]);
    expect(await adoptKeys(runtime, keys, log)).toEqual([older]);
    expect(keys.get(older)).toBe("iwk_older_key_in_the_volume_000000000");
    expect(keys.get(newer)).toBeUndefined();
    expect(await adoptKeys(runtime, keys, log)).toEqual([]);
  });
});
