import { and, desc, eq } from "drizzle-orm";
import { z } from "zod";
import { employees, users } from "../../db/schema.ts";
import { roles, skills, tones } from "../../templates/catalogue.ts";
import { planById } from "../billing/plans.ts";
import { ApiError, notFound } from "../http/api-error.ts";
import type { ActionResult } from "../objects/employee-do.ts";
import { type EmployeeView, toView } from "../objects/employee-record.ts";
import { employeeStub } from "../objects/stubs.ts";
import { checkName, EMPLOYEE_NAME_RULES } from "../protocol/check-name.ts";
import type { Deps } from "./deps.ts";
import { usageByEmployeeThisMonth } from "./llm-usage.ts";
import { SETTINGS_CHANGES_PER_USER } from "./rate-limits.ts";

const roleIds = new Set(roles.map((r) => r.id));
const toneIds = new Set(tones.map((t) => t.id));
const skillIds = new Set(skills.map((s) => s.id));
export const MAX_SKILLS = 10;

// The one name check (edge/protocol/check-name.ts), which the app's pre-checks use too.
const Name = z.string().transform((raw, ctx) => {
  const checked = checkName(raw, EMPLOYEE_NAME_RULES);
  if (checked.ok) return checked.name;
  ctx.addIssue({
    code: "custom",
    message: checked.problem === "empty" ? "Give the employee a name." : checked.message,
  });
  return z.NEVER;
});
const Tone = z
  .string()
  .refine((t) => toneIds.has(t), { message: `One of: ${[...toneIds].join(", ")}.` });
const Skills = z
  .array(z.string().refine((s) => skillIds.has(s), { message: "Not a skill from the catalogue." }))
  .max(MAX_SKILLS, `At most ${MAX_SKILLS} skills.`)
  .refine((list) => new Set(list).size === list.length, { message: "Each skill once." });

export const HireInput = z.strictObject({
  name: Name,
  role: z
    .string()
    .refine((r) => roleIds.has(r), { message: `One of: ${[...roleIds].join(", ")}.` }),
  tone: Tone,
  skills: Skills,
});
export const UpdateInput = z
  .strictObject({ name: Name.optional(), tone: Tone.optional(), skills: Skills.optional() })
  .refine((v) => Object.keys(v).length > 0, { message: "Nothing to change." });

type Row = typeof employees.$inferSelect;

export async function listEmployees(deps: Deps, userId: string) {
  const [rows, usage] = await Promise.all([
    deps.db
      .select()
      .from(employees)
      .where(eq(employees.userId, userId))
      .orderBy(desc(employees.createdAt)),
    usageByEmployeeThisMonth(deps, userId),
  ]);
  const none = { promptTokens: 0, completionTokens: 0, costCents: 0 };
  return rows.map((r) => ({ ...toView(r), usageThisMonth: usage.get(r.id) ?? none }));
}

// Another account's employee is indistinguishable from one that does not exist.
export async function ownedEmployee(deps: Deps, userId: string, id: string): Promise<Row> {
  const row = await deps.db
    .select()
    .from(employees)
    .where(and(eq(employees.id, id), eq(employees.userId, userId)))
    .get();
  if (!row) throw notFound("employee");
  return row;
}

export async function getEmployee(deps: Deps, userId: string, id: string): Promise<EmployeeView> {
  return toView(await ownedEmployee(deps, userId, id));
}

export async function hireEmployee(
  deps: Deps,
  userId: string,
  input: z.infer<typeof HireInput>,
): Promise<EmployeeView> {
  const user = await deps.db.select().from(users).where(eq(users.id, userId)).get();
  if (!user) throw notFound("account");
  const now = deps.now();
  if (user.plan === "trial" && user.trialEndsAt <= now) {
    throw new ApiError(
      402,
      "trial_expired",
      "Your 7-day trial has ended. Choose a plan to hire employees.",
      undefined,
      undefined,
      { upgradeUrl: `${deps.config.appOrigin}/account` },
    );
  }
  const plan = planById(user.plan);
  const id = crypto.randomUUID();
  // The plan's limit is checked in the same statement that inserts, so concurrent hires cannot
  // overshoot it (D1 has no interactive transactions).
  const inserted = await deps.env.DB.prepare(
    `INSERT INTO employees (id, user_id, name, role, tone, skills, status, created_at, updated_at)
     SELECT ?1, ?2, ?3, ?4, ?5, ?6, 'none', ?7, ?7
     WHERE (SELECT count(*) FROM employees WHERE user_id = ?2) < ?8
     RETURNING id`,
  )
    .bind(
      id,
      userId,
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
  let created: EmployeeView | null;
  try {
    created = await employeeStub(deps.env, id).create({ id, userId, ...input });
  } catch (err) {
    // The row exists, so say so honestly: the employee is in error with a reason and a retry.
    deps.log.error("starting provisioning failed", { employeeId: id, error: String(err) });
    await deps.db
      .update(employees)
      .set({
        status: "error",
        statusReason: "Provisioning could not start. Press Start to try again.",
        updatedAt: deps.now(),
      })
      .where(eq(employees.id, id));
    return getEmployee(deps, userId, id);
  }
  // Fired before it could start (someone who saw it listed pressed Fire).
  if (!created) throw notFound("employee");
  return created;
}

function settle(result: ActionResult): EmployeeView {
  if (result.ok) return result.employee;
  if (result.code === "not_found") throw notFound("employee");
  throw new ApiError(409, "invalid_state", result.message);
}

export async function updateEmployee(
  deps: Deps,
  userId: string,
  id: string,
  patch: z.infer<typeof UpdateInput>,
): Promise<EmployeeView> {
  await ownedEmployee(deps, userId, id);
  // Counted only once the input is valid and the employee the person's own: a flood of bad or
  // foreign requests cannot use up the person's own settings changes.
  await deps.limits.take(SETTINGS_CHANGES_PER_USER, userId);
  return settle(await employeeStub(deps.env, id).update(patch));
}

export type Action = "provision" | "restart" | "stop";

export async function actOnEmployee(
  deps: Deps,
  userId: string,
  id: string,
  action: Action,
): Promise<EmployeeView> {
  const row = await ownedEmployee(deps, userId, id);
  const stub = employeeStub(deps.env, id);
  // An employee whose object never started (see hireEmployee) is created now rather than refused;
  // unless it was fired meanwhile, which its object remembers.
  if (action !== "stop" && (await stub.view()) === null) {
    const created = await stub.create({
      id,
      userId,
      name: row.name,
      role: row.role,
      tone: row.tone,
      skills: row.skills,
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
export async function fireEmployee(deps: Deps, userId: string, id: string): Promise<void> {
  await ownedEmployee(deps, userId, id);
  await employeeStub(deps.env, id).remove(id);
  deps.log.info("employee fired", { employeeId: id });
}

export async function openLiveStatus(
  deps: Deps,
  userId: string,
  id: string,
  request: Request,
): Promise<Response> {
  await ownedEmployee(deps, userId, id);
  return employeeStub(deps.env, id).fetch(request);
}

export async function readMemory(deps: Deps, userId: string, id: string) {
  await ownedEmployee(deps, userId, id);
  const result = await employeeStub(deps.env, id).readMemory();
  if (!result.ok) {
    if (result.code === "not_found") throw notFound("employee");
    throw new ApiError(409, "memory_unavailable", result.message);
  }
  return { files: result.files };
}
