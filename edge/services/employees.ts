import { and, desc, eq } from "drizzle-orm";
import type { z } from "zod";
import { accounts, employees } from "../../db/schema.ts";
import { planById } from "../billing/plans.ts";
import type { Employee, EmployeeAction } from "../contract/employee.ts";
import type { HireRequest, UpdateRequest } from "../contract/employee-input.ts";
import type { MailLanguage } from "../contract/launch.ts";
import { ApiError, notFound } from "../http/api-error.ts";
import { toView } from "../objects/employee-record.ts";
import type { ActionResult } from "../objects/employee-rpc.ts";
import { employeeStub } from "../objects/stubs.ts";
import { refuseWhileDeletionScheduled } from "./account-state.ts";
import { type Actor, requireRight } from "./actor.ts";
import { recordAudit } from "./audit.ts";
import { addressAtHire } from "./channel-email.ts";
import type { Deps } from "./deps.ts";
import {
  applyTrust,
  requireTrustRights,
  trustFieldsOf,
  trustPatchOf,
  withTrust,
} from "./employee-trust.ts";
import { usageByEmployeeThisMonth } from "./llm-usage.ts";
import { HIRES_PER_USER, MEMORY_READS_PER_USER, SETTINGS_CHANGES_PER_USER } from "./rate-limits.ts";

type Row = typeof employees.$inferSelect;

// Every verb checks in one order: the employee is the actor's account's (else 404, so a stranger
// never learns it exists), then the actor's role (403 forbidden_role), then the rate limit (so
// requests that cannot succeed never use up a person's own limit).

export async function listEmployees(deps: Deps, actor: Actor) {
  requireRight(actor, "employees.use");
  const accountId = actor.accountId;
  const [rows, usage] = await Promise.all([
    deps.db
      .select()
      .from(employees)
      .where(eq(employees.accountId, accountId))
      .orderBy(desc(employees.createdAt)),
    usageByEmployeeThisMonth(deps, accountId),
  ]);
  const none = { promptTokens: 0, completionTokens: 0, costCents: 0 };
  return rows.map((r) => ({
    ...toView(r),
    ...trustFieldsOf(r),
    usageThisMonth: usage.get(r.id) ?? none,
  }));
}

// Another account's employee is indistinguishable from one that does not exist.
export async function ownedEmployee(deps: Deps, accountId: string, id: string): Promise<Row> {
  const row = await deps.db
    .select()
    .from(employees)
    .where(and(eq(employees.id, id), eq(employees.accountId, accountId)))
    .get();
  if (!row) throw notFound("employee");
  return row;
}

/** The actor's account's employee (404 otherwise), once the actor's role has `right` (403). */
export async function employeeFor(
  deps: Deps,
  actor: Actor,
  id: string,
  right: "employees.use" | "employees.manage",
): Promise<Row> {
  const row = await ownedEmployee(deps, actor.accountId, id);
  requireRight(actor, right);
  return row;
}

// The launch's checklist lives in the employee's object, not in D1: while a launch is under way
// or has just failed, the object is asked (the row answers if it never started).
export async function getEmployee(deps: Deps, actor: Actor, id: string): Promise<Employee> {
  const row = await employeeFor(deps, actor, id, "employees.use");
  const view =
    row.status !== "provisioning" && row.status !== "error"
      ? toView(row)
      : ((await employeeStub(deps.env, id).view()) ?? toView(row));
  // Issue 18: its autonomy (and the suggestion to widen it), working hours, minutes saved.
  return withTrust(deps, view, row);
}

// `lang`: the language the app showed the person, for the email that says the employee is ready.
export async function hireEmployee(
  deps: Deps,
  actor: Actor,
  input: z.output<typeof HireRequest>,
  lang: MailLanguage = "en",
): Promise<Employee> {
  requireRight(actor, "employees.manage");
  await deps.limits.take(HIRES_PER_USER, actor.userId);
  const accountId = actor.accountId;
  const account = await deps.db.select().from(accounts).where(eq(accounts.id, accountId)).get();
  if (!account) throw notFound("account");
  refuseWhileDeletionScheduled(account, "No one can be hired");
  const now = deps.now();
  if (account.plan === "trial" && account.trialEndsAt <= now) {
    throw new ApiError(
      402,
      "trial_expired",
      "Your 7-day trial has ended. Choose a plan to hire employees.",
      undefined,
      undefined,
      { upgradeUrl: `${deps.config.appOrigin}/account` },
    );
  }
  const plan = planById(account.plan);
  const id = crypto.randomUUID();
  // The plan's limit is checked in the same statement that inserts, so concurrent hires cannot
  // overshoot it (D1 has no interactive transactions).
  const inserted = await deps.env.DB.prepare(
    `INSERT INTO employees (id, account_id, name, role, tone, skills, status, created_at, updated_at)
     SELECT ?1, ?2, ?3, ?4, ?5, ?6, 'none', ?7, ?7
     WHERE (SELECT count(*) FROM employees WHERE account_id = ?2) < ?8
     RETURNING id`,
  )
    .bind(
      id,
      accountId,
      input.name,
      input.role,
      input.tone,
      JSON.stringify(input.skills),
      now,
      plan.maxEmployees,
    )
    .first<{ id: string }>();
  if (!inserted) {
    throw new ApiError(
      402,
      "plan_limit_reached",
      `Your ${plan.name} plan includes ${plan.maxEmployees} employee${plan.maxEmployees === 1 ? "" : "s"}. Upgrade to hire more.`,
      undefined,
      undefined,
      { upgradeUrl: `${deps.config.appOrigin}/account` },
    );
  }
  deps.log.info("employee hired", { employeeId: id, role: input.role });
  const hired = { name: input.name, role: input.role };
  await recordAudit(deps, actor, "employee.hire", { type: "employee", id }, hired);
  // Its email address (issue 17), made now so it can be shown and written to at once.
  await addressAtHire(deps, { id, accountId, name: input.name });
  let created: Employee | null;
  try {
    created = await employeeStub(deps.env, id).create({
      id,
      accountId,
      ...input,
      notifyWhenReady: { userId: actor.userId, lang },
    });
  } catch (err) {
    // The row exists, so say so honestly: the employee is in error with a reason and a retry.
    deps.log.error("starting provisioning failed", { employeeId: id, err });
    await deps.db
      .update(employees)
      .set({
        status: "error",
        statusReason: "Provisioning could not start. Press Start to try again.",
        updatedAt: deps.now(),
      })
      .where(eq(employees.id, id));
    return toView(await ownedEmployee(deps, accountId, id));
  }
  // Fired before it could start (someone who saw it listed pressed Fire).
  if (!created) throw notFound("employee");
  return created;
}

function settle(result: ActionResult): Employee {
  if (result.ok) return result.employee;
  if (result.code === "not_found") throw notFound("employee");
  throw new ApiError(409, "invalid_state", result.message);
}

export async function updateEmployee(
  deps: Deps,
  actor: Actor,
  id: string,
  patch: z.output<typeof UpdateRequest>,
): Promise<Employee> {
  const row = await employeeFor(deps, actor, id, "employees.manage");
  // Issue 18, trust (services/employee-trust.ts): autonomy, working hours, minutes saved.
  const trust = trustPatchOf(patch);
  requireTrustRights(actor, trust);
  // Counted only once the input is valid and the employee the account's own: a flood of bad or
  // foreign requests cannot use up the person's own settings changes.
  await deps.limits.take(SETTINGS_CHANGES_PER_USER, actor.userId);
  // What the employee's object owns: its name, tone and skills.
  const { name, tone, skills } = patch;
  const settings = {
    ...(name !== undefined ? { name } : {}),
    ...(tone !== undefined ? { tone } : {}),
    ...(skills !== undefined ? { skills } : {}),
  };
  let updated: Employee | null = null;
  if (Object.keys(settings).length) {
    updated = settle(await employeeStub(deps.env, id).update(settings));
    await recordAudit(deps, actor, "employee.update", { type: "employee", id }, settings);
  }
  // Issue 18, trust: stored in D1, then the employee is told (employee.configure).
  if (trust) await applyTrust(deps, actor, row, trust);
  updated ??= (await employeeStub(deps.env, id).view()) ?? toView(row);
  return withTrust(deps, updated, await ownedEmployee(deps, actor.accountId, id));
}

export async function actOnEmployee(
  deps: Deps,
  actor: Actor,
  id: string,
  action: EmployeeAction,
): Promise<Employee> {
  const row = await employeeFor(deps, actor, id, "employees.manage");
  const done = await act(deps, actor, row, action);
  await recordAudit(deps, actor, `employee.${action}`, { type: "employee", id });
  return done;
}

async function act(deps: Deps, actor: Actor, row: Row, action: EmployeeAction): Promise<Employee> {
  const { id, accountId } = row;
  const stub = employeeStub(deps.env, id);
  // An employee whose object never started (see hireEmployee) is created now rather than refused;
  // unless it was fired meanwhile, which its object remembers.
  if (action !== "stop" && (await stub.view()) === null) {
    const created = await stub.create({
      id,
      accountId,
      name: row.name,
      role: row.role,
      tone: row.tone,
      skills: row.skills,
      // Its hire never reached it: this start is its first launch (English: no page's language).
      notifyWhenReady: { userId: actor.userId, lang: "en" },
    });
    if (!created) throw notFound("employee");
    return created;
  }
  const result =
    action === "provision"
      ? await stub.provision()
      : action === "restart"
        ? await stub.restart()
        : await stub.stop();
  return settle(result);
}

// Always through the employee's object, even one that never started: it remembers the firing
// before the D1 row goes, so a provision racing this cannot create it again behind D1's back.
export async function fireEmployee(deps: Deps, actor: Actor, id: string): Promise<void> {
  const row = await employeeFor(deps, actor, id, "employees.manage");
  await employeeStub(deps.env, id).remove(id);
  deps.log.info("employee fired", { employeeId: id });
  await recordAudit(deps, actor, "employee.fire", { type: "employee", id }, { name: row.name });
}

export async function openLiveStatus(
  deps: Deps,
  actor: Actor,
  id: string,
  request: Request,
): Promise<Response> {
  await employeeFor(deps, actor, id, "employees.use");
  return employeeStub(deps.env, id).fetch(request);
}

export async function readMemory(deps: Deps, actor: Actor, id: string) {
  await employeeFor(deps, actor, id, "employees.use");
  await deps.limits.take(MEMORY_READS_PER_USER, actor.userId);
  const result = await employeeStub(deps.env, id).readMemory();
  if (!result.ok) {
    if (result.code === "not_found") throw notFound("employee");
    throw new ApiError(409, "memory_unavailable", result.message);
  }
  return { files: result.files };
}
