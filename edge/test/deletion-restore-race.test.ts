import { env } from "cloudflare:workers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACCOUNT_DELETION_HOLD_REASON } from "../contract/account-lifecycle.ts";
import { type Env, parseConfig } from "../env.ts";
import { createLogger } from "../log/logger.ts";
import { employeeStub } from "../objects/stubs.ts";
import { enforceBilling } from "../services/billing-enforcement.ts";
import { createDeps } from "../services/deps.ts";
import { createNode } from "./fake-agent.ts";
import { api, removeAllEmployees } from "./helpers.ts";
import { AnsweringAgent, person, runningEmployee, until } from "./lifecycle-helpers.ts";

// The cron holds the employees of an account scheduled for deletion. When the owner restores the
// account while the cron's loop runs on its earlier read, the loop's holds must not outlast the
// restore: the employees end released.

let agent: AnsweringAgent;
beforeAll(async () => {
  agent = await AnsweringAgent.connect((await createNode()).token);
});
afterAll(async () => {
  agent.close();
  await removeAllEmployees();
});

describe("a restore racing the cron's deletion hold", () => {
  it("ends with the account's employees released", async () => {
    const owner = await person("race-restore");
    const ada = await runningEmployee(owner.accountId, "Ada");
    expect((await api("/api/account", { method: "DELETE", cookie: owner.cookie })).status).toBe(
      202,
    );
    await until(
      async () => (await employeeStub(env, ada).held()) === ACCOUNT_DELETION_HOLD_REASON,
      "held for the deletion",
    );

    // The cron's decision, with the owner's restore landing after it read the account and
    // before it looked at Ada: the restore releases her, then the cron holds her again.
    let restored = false;
    const namespace = env.EMPLOYEE_DO;
    const racing = {
      idFromName: (name: string) => namespace.idFromName(name),
      get: (id: DurableObjectId) => {
        const stub = namespace.get(id);
        return {
          held: async () => {
            if (!restored) {
              restored = true;
              const res = await api("/api/account/restore", {
                method: "POST",
                cookie: owner.cookie,
              });
              expect(res.status).toBe(200);
            }
            return stub.held();
          },
          hold: (why: string) => stub.hold(why),
          release: () => stub.release(),
        };
      },
    };
    const raceEnv = { ...env, EMPLOYEE_DO: racing } as unknown as Env;
    const deps = createDeps(raceEnv, parseConfig(env), createLogger({ test: "race" }));
    await enforceBilling(deps, owner.accountId);
    expect(restored).toBe(true);
    expect(await employeeStub(env, ada).held()).toBeNull();
  });
});
