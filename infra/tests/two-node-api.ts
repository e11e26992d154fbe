// The customer's side of the two-node journeys: hires, backups and restores through the real API
// over HTTP (edge/contract's typed client), and waits on what it answers.

import type { Backup } from "../../edge/contract/backup.ts";
import { ApiFailure } from "../../edge/contract/client.ts";
import type { Employee } from "../../edge/contract/employee.ts";
import { type Client, hireBody, signIn, sleep } from "./stack.ts";

export async function hire(client: Client, name = "E2E"): Promise<string> {
  const { employee } = await client.call("POST /api/employees", {
    body: { ...hireBody, name },
  });
  return employee.id;
}

/** An employee of an account of its own (a trial account holds one), with that account's client. */
export interface Hired {
  id: string;
  client: Client;
}

export async function hireOwn(edgeUrl: string, name: string): Promise<Hired> {
  const email = `${name.toLowerCase().replace(/[^a-z0-9]+/g, "-")}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@example.com`;
  const client = await signIn(edgeUrl, email);
  return { id: await hire(client, name), client };
}

export async function getEmployee(client: Client, id: string): Promise<Employee> {
  return (await client.call("GET /api/employees/:id", { params: { id } })).employee;
}

/** Polls the employee until `done` holds; fails with its last status and reason. */
export async function waitEmployee(
  client: Client,
  id: string,
  done: (e: Employee) => boolean,
  timeoutMs: number,
  what: string,
): Promise<Employee> {
  const deadline = Date.now() + timeoutMs;
  let last: Employee | undefined;
  for (;;) {
    try {
      last = await getEmployee(client, id);
    } catch (err) {
      // A kept-alive connection the edge closed during a long wait: ask again.
      if (err instanceof ApiFailure) throw err;
    }
    if (last && done(last)) return last;
    // An error is where the lifecycle gave up: no use waiting for anything else.
    if (last?.status === "error")
      throw new Error(
        `${id} never ${what}: error (${last.step ?? "-"}) ${last.statusReason ?? ""}`,
      );
    if (Date.now() > deadline)
      throw new Error(
        `${id} never ${what} within ${timeoutMs} ms: ${last?.status} (${last?.step ?? "-"}) ${last?.statusReason ?? ""}`,
      );
    await sleep(250);
  }
}

export const waitRunning = (client: Client, id: string, timeoutMs = 90_000) =>
  waitEmployee(client, id, (e) => e.status === "running", timeoutMs, "ran");

export async function listBackups(client: Client, id: string): Promise<Backup[]> {
  return (await client.call("GET /api/employees/:id/backups", { params: { id } })).backups;
}

/** "Back up now", then waits until that backup is complete (a failed one throws its error). */
export async function backupNow(client: Client, id: string, timeoutMs = 120_000): Promise<Backup> {
  const { backup } = await client.call("POST /api/employees/:id/backups", { params: { id } });
  return waitBackup(client, id, backup.id, timeoutMs);
}

export async function waitBackup(
  client: Client,
  id: string,
  backupId: string,
  timeoutMs = 120_000,
): Promise<Backup> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = (await listBackups(client, id)).find((b) => b.id === backupId);
    if (found?.status === "complete") return found;
    if (found?.status === "failed") throw new Error(`backup ${backupId} failed: ${found.error}`);
    if (Date.now() > deadline)
      throw new Error(
        `backup ${backupId} still ${found?.status ?? "missing"} after ${timeoutMs} ms`,
      );
    await sleep(250);
  }
}

/** POST …/restore as it is: 202 with the employee, or the refusal's status and code. */
export async function requestRestore(
  client: Client,
  id: string,
  backupId: string,
): Promise<{ status: number; code?: string; employee?: Employee }> {
  const res = await client.api(`/api/employees/${id}/backups/${backupId}/restore`, {
    method: "POST",
  });
  // The API's one error shape: {error: {code, message}} (edge/contract/errors.ts).
  const body = (await res.json().catch(() => ({}))) as {
    employee?: Employee;
    error?: { code?: string };
  };
  return {
    status: res.status,
    ...(body.employee ? { employee: body.employee } : {}),
    ...(body.error?.code ? { code: body.error.code } : {}),
  };
}

/**
 * Asks for the restore until it is accepted: right after an employee's disk is lost the lifecycle
 * may still be busy noticing it (409 invalid_state for a moment). Any other answer is returned.
 */
export async function restoreWhenAccepted(
  client: Client,
  id: string,
  backupId: string,
  timeoutMs = 60_000,
): Promise<{ status: number; code?: string; employee?: Employee }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const answer = await requestRestore(client, id, backupId);
    if (answer.status !== 409 || answer.code !== "invalid_state" || Date.now() > deadline)
      return answer;
    await sleep(500);
  }
}
