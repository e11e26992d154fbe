import * as z from "zod/mini";
import { roles, skills, tones } from "../../templates/catalogue.ts";
import { checkName, EMPLOYEE_NAME_RULES } from "../protocol/check-name.ts";
import { Autonomy } from "./approvals.ts";
import { MinutesSaved } from "./ledger.ts";
import { WorkingHoursInput } from "./schedules.ts";

// What a hire and a settings change accept (POST and PATCH /api/employees). The edge validates
// with these; the app only needs their types (its pickers offer nothing else).
const roleIds = new Set(roles.map((r) => r.id));
const toneIds = new Set(tones.map((t) => t.id));
const skillIds = new Set(skills.map((s) => s.id));
export const MAX_SKILLS = 10;

// The one name check (edge/protocol/check-name.ts), which the app's pre-checks use too.
const Name = z.pipe(
  z.string(),
  z.transform((raw: string, ctx) => {
    const checked = checkName(raw, EMPLOYEE_NAME_RULES);
    if (checked.ok) return checked.name;
    ctx.issues.push({
      code: "custom",
      input: raw,
      message: checked.problem === "empty" ? "Give the employee a name." : checked.message,
    });
    return z.NEVER;
  }),
);
const Tone = z
  .string()
  .check(z.refine((t) => toneIds.has(t), { message: `One of: ${[...toneIds].join(", ")}.` }));
const Skills = z
  .array(
    z
      .string()
      .check(z.refine((s) => skillIds.has(s), { message: "Not a skill from the catalogue." })),
  )
  .check(
    z.maxLength(MAX_SKILLS, `At most ${MAX_SKILLS} skills.`),
    z.refine((list) => new Set(list).size === list.length, { message: "Each skill once." }),
  );

export const HireRequest = z.strictObject({
  name: Name,
  role: z
    .string()
    .check(z.refine((r) => roleIds.has(r), { message: `One of: ${[...roleIds].join(", ")}.` })),
  tone: Tone,
  skills: Skills,
});
export type HireRequest = z.input<typeof HireRequest>;

/** The most an owner may set as one employee's monthly AI budget (€10,000). */
export const MAX_EMPLOYEE_BUDGET_CENTS = 1_000_000;

// Issue 18 adds: autonomy and working hours (employees.manage), the employee's own monthly AI
// budget in cents (null: only the account's) and the minutes its work saves (the owner's).
export const UpdateRequest = z
  .strictObject({
    name: z.optional(Name),
    tone: z.optional(Tone),
    skills: z.optional(Skills),
    autonomy: z.optional(Autonomy),
    workingHours: z.optional(z.nullable(WorkingHoursInput)),
    budgetCents: z.optional(
      z.nullable(z.number().check(z.int(), z.minimum(0), z.maximum(MAX_EMPLOYEE_BUDGET_CENTS))),
    ),
    minutesSaved: z.optional(MinutesSaved),
  })
  .check(z.refine((v) => Object.keys(v).length > 0, { message: "Nothing to change." }));
export type UpdateRequest = z.input<typeof UpdateRequest>;
