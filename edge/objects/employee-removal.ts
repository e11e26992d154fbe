import type { Env } from "../env.ts";
import { forgetEmployee } from "../store/employees.ts";
import { deleteEmployeeKnowledge } from "../store/knowledge.ts";
import { revokeLlmKeys } from "./llm-keys.ts";

// What outlives a fired employee's object elsewhere: its gateway keys, its own files, and its D1
// row, which goes last (while the row exists, the firing can be retried from the API).
export async function forgetEverywhere(
  env: Pick<Env, "DB" | "BUDGET_DO" | "KNOWLEDGE">,
  employeeId: string,
  now: number,
): Promise<void> {
  await revokeLlmKeys(env, employeeId, now);
  await deleteEmployeeKnowledge(env.DB, env.KNOWLEDGE, employeeId);
  await forgetEmployee(env.DB, employeeId);
}
