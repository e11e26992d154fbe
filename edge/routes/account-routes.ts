import { Hono } from "hono";
import { ApiError, notFound, unauthorized } from "../http/api-error.ts";
import type { AppEnv } from "../http/app-env.ts";
import { endpoint } from "../http/endpoint.ts";
import { currentActor, requireMember } from "../http/session.ts";
import { setAccountTimeZone } from "../services/account-settings.ts";
import { listMyAccounts, renameAccount, switchAccount } from "../services/account-switch.ts";

// The accounts I belong to and the one this session acts in (/api/accounts), and the active
// account's own settings (/api/account; its export and deletion are mounted beside these).

export const accountsRoutes = new Hono<AppEnv>();
accountsRoutes.use("/", requireMember());
// A switch is how a page showing another account than the active one leaves it, so the account
// the page names (X-Account-Id) is not checked here.
accountsRoutes.use("/:id/switch", requireMember({ anyShownAccount: true }));

// Longer than any id we make: it names no account.
const MAX_ID_LENGTH = 64;

endpoint(accountsRoutes, "/api/accounts", "GET /api/accounts", async (c) => ({
  accounts: await listMyAccounts(c.var.deps, currentActor(c)),
}));

endpoint(accountsRoutes, "/api/accounts", "POST /api/accounts/:id/switch", async (c) => {
  const session = c.var.session;
  if (!session) throw unauthorized();
  // A malformed id names no account: answered like one the person does not belong to.
  const id = c.req.param("id") ?? "";
  if (!id || id.length > MAX_ID_LENGTH) throw notFound("account");
  return { account: await switchAccount(c.var.deps, currentActor(c), session.id, id) };
});

export const accountRoutes = new Hono<AppEnv>();
// Only this sub-app's own path: other sub-apps mounted under /api/account bring their own.
accountRoutes.use("/", requireMember());

endpoint(accountRoutes, "/api/account", "PATCH /api/account", async (c, input) => {
  const actor = currentActor(c);
  const { name, timeZone } = await input.body();
  // The contract asks for one of them at least; the time zone (issue 18) has its own verb.
  let account = name === undefined ? undefined : await renameAccount(c.var.deps, actor, name);
  if (timeZone !== undefined) account = await setAccountTimeZone(c.var.deps, actor, timeZone);
  if (!account) throw new ApiError(400, "invalid_input", "Give the account a name.");
  return { account };
});
