import {
  createExecutionContext,
  createScheduledController,
  runInDurableObject,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import worker from "../index.ts";
import type { EmployeeDO } from "../objects/employee-do.ts";
import type { EmployeeRecord } from "../objects/employee-record.ts";
import { WAIT_FOR_SERVER_TIMEOUT_MS } from "../objects/employee-timeouts.ts";
import { employeeStub } from "../objects/stubs.ts";
import { STUCK_AFTER_MS } from "../services/reconcile.ts";
import { hire, removeAllEmployees, signIn, uniqueEmail, waitForEmployee } from "./helpers.ts";

afterEach(removeAllEmployees);

const stub = (id: string) => employeeStub(env, id);

async function runCron() {
  const ctx = createExecutionContext();
  await worker.scheduled(
    createScheduledController({ cron: "*/5 * * * *", scheduledTime: Date.now() }),
    env,
    ctx,
  );
  await waitOnExecutionContext(ctx);
}

describe("cron", () => {
  it("re-arms an employee whose alarm was lost and that sat unchanged past the stuck threshold", async () => {
    const cookie = await signIn(uniqueEmail("cron"));
    const hired = await hire(cookie); // waiting for a server: a pending "place" with an alarm
    await runInDurableObject(stub(hired.id), async (_o: EmployeeDO, state) => {
      await state.storage.deleteAlarm();
    });
    await env.DB.prepare("UPDATE employees SET updated_at = ? WHERE id = ?")
      .bind(Date.now() - STUCK_AFTER_MS - 1000, hired.id)
      .run();
    await runCron();
    const alarm = await runInDurableObject(stub(hired.id), (_o: EmployeeDO, state) =>
      state.storage.getAlarm(),
    );
    expect(alarm).not.toBeNull();
    const row = await env.DB.prepare("SELECT updated_at FROM employees WHERE id = ?")
      .bind(hired.id)
      .first<{ updated_at: number }>();
    expect(Date.now() - (row?.updated_at ?? 0)).toBeLessThan(STUCK_AFTER_MS);
  });

  it("ends a wait for a server that outlasts its timeout in error, with a reason and a retry", async () => {
    const cookie = await signIn(uniqueEmail("no-server"));
    const hired = await hire(cookie);
    await runInDurableObject(stub(hired.id), (obj: EmployeeDO, state) => {
      const r = state.storage.kv.get<EmployeeRecord>("employee");
      if (!r?.op) throw new Error("expected a pending placement");
      const aged = {
        ...r,
        waitingSince: Date.now() - WAIT_FOR_SERVER_TIMEOUT_MS - 1,
        op: { ...r.op, wakeAt: 0 },
      };
      state.storage.kv.put("employee", aged);
      (obj as unknown as { record: EmployeeRecord }).record = aged;
    });
    await env.DB.prepare("UPDATE employees SET updated_at = ? WHERE id = ?")
      .bind(Date.now() - STUCK_AFTER_MS - 1000, hired.id)
      .run();
    await runCron();
    const failed = await waitForEmployee(cookie, hired.id, (e) => e.status === "error");
    expect(failed.statusReason).toBe(
      "No server had room for 15 minutes. Press Start to try again.",
    );
  });

  it("deletes expired sessions and stale sign-in links", async () => {
    const email = uniqueEmail("cron-sessions");
    await signIn(email);
    const user = await env.DB.prepare("SELECT id FROM users WHERE email = ?")
      .bind(email)
      .first<{ id: string }>();
    await env.DB.prepare("UPDATE sessions SET expires_at = ? WHERE user_id = ?")
      .bind(Date.now() - 1, user?.id)
      .run();
    await env.DB.prepare("UPDATE login_tokens SET expires_at = ? WHERE email = ?")
      .bind(Date.now() - 60 * 60_000, email)
      .run();
    await runCron();
    const sessions = await env.DB.prepare("SELECT count(*) AS n FROM sessions WHERE user_id = ?")
      .bind(user?.id)
      .first<{ n: number }>();
    const tokens = await env.DB.prepare("SELECT count(*) AS n FROM login_tokens WHERE email = ?")
      .bind(email)
      .first<{ n: number }>();
    expect(sessions?.n).toBe(0);
    expect(tokens?.n).toBe(0);
  });
});
