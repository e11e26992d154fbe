import type { D1Migration } from "cloudflare:test";
import type { Env as WorkerEnv } from "../env.ts";

// The bindings the tests see: the Worker's own, plus what vitest.config.ts adds for tests.
declare global {
  namespace Cloudflare {
    interface Env extends WorkerEnv {
      STAND_IN_URL: string;
      TEST_ACCESS_VERIFY_KEY: string;
      TEST_MIGRATIONS: D1Migration[];
      /** Empty; only test/migration-0008.test.ts uses it. */
      MIGRATION_DB: D1Database;
    }
    interface GlobalProps {
      mainModule: typeof import("./test-worker.ts");
      durableNamespaces:
        | "RateLimiter"
        | "EmployeeDO"
        | "NodeDO"
        | "BudgetDO"
        | "SnapshotStoreDO"
        | "AccountFeedDO";
    }
  }
}
