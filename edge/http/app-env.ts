import type { ReadSession, SessionUser } from "../auth/sessions.ts";
import type { Env } from "../env.ts";
import type { Logger } from "../log/logger.ts";
import type { Actor } from "../services/actor.ts";
import type { Deps } from "../services/deps.ts";

// Hono's typing of c.env and c.var for every sub-app.
export interface AppEnv {
  Bindings: Env;
  Variables: {
    requestId: string;
    log: Logger;
    deps: Deps;
    user: SessionUser | undefined;
    session: ReadSession | undefined;
    /** Set by requireMember(): who acts, in which account, with which role. */
    actor: Actor | undefined;
  };
}
