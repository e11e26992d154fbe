import {
  createExecutionContext,
  createScheduledController,
  runDurableObjectAlarm,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it } from "vitest";
import worker from "../index.ts";
import { WAIT_FOR_SERVER_TIMEOUT_MS } from "../objects/employee-timeouts.ts";
import { STUCK_AFTER_MS } from "../services/reconcile.ts";
import { employeeObject } from "./clocks.ts";
import { hire, removeAllEmployees, signIn, uniqueEmail, waitForEmployee } from "./helpers.ts";

afterEach(removeAllEmployees);

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
    const object = employeeObject(hired.id);
    await object.loseAlarm();
    await env.DB.prepare("UPDATE employees SET updated_at = ? WHERE id = ?")
      .bind(Date.now() - STUCK_AFTER_MS - 1000, hired.id)
      .run();
    await runCron();
    // An alarm is scheduled again: running it finds one.
    expect(await runDurableObjectAlarm(object)).toBe(true);
    const row = await env.DB.prepare("SELECT updated_at FROM employees WHERE id = ?")
      .bind(hired.id)
      .first<{ updated_at: number }>();
    expect(Date.now() - (row?.updated_at ?? 0)).toBeLessThan(STUCK_AFTER_MS);
  });

  it("ends a wait for a server that outlasts its timeout in error, with a reason and a retry", async () => {
    const cookie = await signIn(uniqueEmail("no-server"));
    const hired = await hire(cookie);
    // The wait outlasts its timeout, and the alarm that should have ended it was lost.
    const object = employeeObject(hired.id);
    await object.advanceClock(WAIT_FOR_SERVER_TIMEOUT_MS + 1);
    await object.loseAlarm();
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
