import { asc, eq } from "drizzle-orm";
import { accounts, employees } from "../../db/schema.ts";
import { roles } from "../../templates/catalogue.ts";
import {
  type EmployeeReport,
  type MinutesSaved,
  type ReportCard,
  type ReportFigures,
  WORK_KINDS,
  WORK_OUTCOMES,
} from "../contract/ledger.ts";
import { ApiError } from "../http/api-error.ts";
import { type WorkSums, workSums } from "../store/work-entries.ts";
import { type Actor, requireRight } from "./actor.ts";
import type { Deps } from "./deps.ts";
import { ownedEmployee } from "./employees.ts";
import { weekAt, weekBounds } from "./iso-week.ts";

// The weekly report card (issue 18): the sums of the work ledger over one ISO week in the
// account's time zone, per employee and for the team, with the time the work saved (done pieces
// × the minutes set for their kind: the employee's own, else its role's). The sums are the
// ledger's own rows, so the card always adds up to what the ledger lists for the same week.

/** Euro cents per micro-euro sum (the gateway meters in micro-euros). */
const MICRO_EUR_PER_CENT = 10_000;
/** For a role the catalogue no longer has. */
const FALLBACK_MINUTES: MinutesSaved = { chat: 5, channel: 5, schedule: 15, heartbeat: 2 };

interface EmployeeInfo {
  id: string;
  name: string;
  role: string;
  minutesSaved: MinutesSaved | null;
}

/** The minutes one done piece of each kind saves for this employee. */
export function minutesPerTask(e: Pick<EmployeeInfo, "role" | "minutesSaved">): MinutesSaved {
  return e.minutesSaved ?? roles.find((r) => r.id === e.role)?.minutesSaved ?? FALLBACK_MINUTES;
}

export function emptyFigures(): ReportFigures {
  return {
    work: Object.fromEntries(WORK_KINDS.map((k) => [k, 0])) as ReportFigures["work"],
    outcomes: Object.fromEntries(WORK_OUTCOMES.map((o) => [o, 0])) as ReportFigures["outcomes"],
    promptTokens: 0,
    completionTokens: 0,
    costCents: 0,
    approvalsRequested: 0,
    approvalsAllowed: 0,
    approvalsDenied: 0,
    minutesSaved: 0,
  };
}

function add(into: ReportFigures, s: WorkSums, minutes: MinutesSaved): void {
  into.work[s.kind] += s.count;
  into.outcomes[s.outcome] += s.count;
  into.promptTokens += s.promptTokens;
  into.completionTokens += s.completionTokens;
  into.costCents += s.costMicroEur / MICRO_EUR_PER_CENT;
  into.approvalsRequested += s.approvals;
  into.approvalsDenied += s.approvalsDenied;
  into.approvalsAllowed += s.approvals - s.approvalsDenied;
  if (s.outcome === "done") into.minutesSaved += s.count * minutes[s.kind];
}

function addFigures(into: ReportFigures, f: ReportFigures): void {
  for (const k of WORK_KINDS) into.work[k] += f.work[k];
  for (const o of WORK_OUTCOMES) into.outcomes[o] += f.outcomes[o];
  into.promptTokens += f.promptTokens;
  into.completionTokens += f.completionTokens;
  into.costCents += f.costCents;
  into.approvalsRequested += f.approvalsRequested;
  into.approvalsAllowed += f.approvalsAllowed;
  into.approvalsDenied += f.approvalsDenied;
  into.minutesSaved += f.minutesSaved;
}

async function accountTimeZone(deps: Deps, accountId: string): Promise<string> {
  const row = await deps.db
    .select({ timeZone: accounts.timeZone })
    .from(accounts)
    .where(eq(accounts.id, accountId))
    .get();
  return row?.timeZone ?? "UTC";
}

/** The card of one employee, or of the whole team (every employee the account has). */
export async function buildReport(
  deps: Deps,
  accountId: string,
  week: string | undefined,
  only?: EmployeeInfo,
): Promise<ReportCard> {
  const timeZone = await accountTimeZone(deps, accountId);
  const shown = week ?? weekAt(deps.now(), timeZone);
  const bounds = weekBounds(shown, timeZone);
  if (!bounds) {
    const message = `${shown} has no such week.`;
    throw new ApiError(400, "invalid_input", message, { week: message });
  }
  const people: EmployeeInfo[] = only
    ? [only]
    : await deps.db
        .select({
          id: employees.id,
          name: employees.name,
          role: employees.role,
          minutesSaved: employees.minutesSaved,
        })
        .from(employees)
        .where(eq(employees.accountId, accountId))
        .orderBy(asc(employees.createdAt), asc(employees.id))
        .all();
  const sums = await workSums(deps.db, accountId, bounds.from, bounds.to, only?.id);
  const totals = emptyFigures();
  const reports: EmployeeReport[] = people.map((e) => {
    const minutes = minutesPerTask(e);
    const figures = emptyFigures();
    for (const s of sums) if (s.employeeId === e.id) add(figures, s, minutes);
    addFigures(totals, figures);
    return { ...figures, employeeId: e.id, name: e.name, role: e.role, minutesPerTask: minutes };
  });
  return {
    week: shown,
    from: new Date(bounds.from).toISOString(),
    to: new Date(bounds.to).toISOString(),
    timeZone,
    totals,
    employees: reports,
  };
}

export async function employeeReport(
  deps: Deps,
  actor: Actor,
  employeeId: string,
  week: string | undefined,
): Promise<ReportCard> {
  const row = await ownedEmployee(deps, actor.accountId, employeeId);
  requireRight(actor, "work.read");
  return buildReport(deps, actor.accountId, week, {
    id: row.id,
    name: row.name,
    role: row.role,
    minutesSaved: row.minutesSaved ?? null,
  });
}

export async function teamReport(
  deps: Deps,
  actor: Actor,
  week: string | undefined,
): Promise<ReportCard> {
  requireRight(actor, "work.read");
  return buildReport(deps, actor.accountId, week);
}
