import { PROVIDER_ID, STATE_DIR } from "../employee/openclaw-config.ts";
import type { Logger } from "../logger.ts";
import type { EmployeeRuntime } from "../runtime/employee-runtime.ts";
import type { EmployeeKeys } from "./employee-keys.ts";

const GATEWAY_KEY = /^iwk_[A-Za-z0-9_-]{20,200}$/;

// Employees provisioned before the relay attached keys hold theirs in openclaw.json and the agent
// has none for them: their model calls would be refused until they are provisioned again. Once,
// at start, the agent takes such a key into its own folder, so they keep working; their next
// provision mints a new key, revokes this one and writes the file without it.
export async function adoptKeys(
  runtime: Pick<EmployeeRuntime, "inventory" | "readFiles">,
  keys: Pick<EmployeeKeys, "get" | "put">,
  log: Logger,
): Promise<string[]> {
  const adopted: string[] = [];
  for (const { employeeId } of await runtime.inventory()) {
    if (keys.get(employeeId)) continue;
    try {
      const [file] = (await runtime.readFiles(employeeId, `${STATE_DIR}/openclaw.json`)).entries;
      const config = JSON.parse(file?.content.toString() ?? "null") as {
        models?: { providers?: Record<string, { apiKey?: unknown }> };
      } | null;
      const key = config?.models?.providers?.[PROVIDER_ID]?.apiKey;
      if (typeof key !== "string" || !GATEWAY_KEY.test(key)) continue;
      keys.put(employeeId, key);
      adopted.push(employeeId);
      log.warn(
        { employeeId },
        "took the gateway key out of an employee's older openclaw.json; provision it again to rotate it",
      );
    } catch (err) {
      log.warn({ employeeId, err }, "could not read an employee's openclaw.json");
    }
  }
  return adopted;
}
