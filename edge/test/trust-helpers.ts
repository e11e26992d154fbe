import { env } from "cloudflare:workers";
import type { WorkEntryView } from "../contract/ledger.ts";
import type { ScheduleView } from "../contract/schedules.ts";
import { api } from "./helpers.ts";

// What the tests of scheduled work, the ledger and the report card share (issue 18).

export const schedulesPath = (employeeId: string, rest = "") =>
  `/api/employees/${employeeId}/schedules${rest}`;

export const task = (over: Record<string, unknown> = {}) => ({
  title: "Morning brief",
  prompt: "Summarise yesterday's email.",
  cron: "0 9 * * 1-5",
  timeZone: "Europe/Berlin",
  ...over,
});

export async function createTask(
  cookie: string,
  employeeId: string,
  over: Record<string, unknown> = {},
): Promise<ScheduleView> {
  const res = await api(schedulesPath(employeeId), { method: "POST", cookie, json: task(over) });
  if (res.status !== 201) throw new Error(`create task: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { schedule: ScheduleView }).schedule;
}

export async function ledger(
  cookie: string,
  employeeId: string,
  query: Record<string, string> = {},
): Promise<WorkEntryView[]> {
  const q = new URLSearchParams(query).toString();
  const res = await api(`/api/employees/${employeeId}/ledger${q ? `?${q}` : ""}`, { cookie });
  if (res.status !== 200) throw new Error(`ledger: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { entries: WorkEntryView[] }).entries;
}

/** A gateway metering row of the employee at `at` (what llm/gateway.ts writes per request). */
export async function usageAt(
  accountId: string,
  employeeId: string,
  at: number,
  tokens: { prompt: number; completion: number; microEur: number },
): Promise<void> {
  await env.DB.prepare(
    `INSERT INTO llm_usage (id, account_id, employee_id, model, prompt_tokens, completion_tokens,
       cost_micro_eur, stream, month, created_at) VALUES (?1, ?2, ?3, 'fast', ?4, ?5, ?6, 0, ?7, ?8)`,
  )
    .bind(
      crypto.randomUUID(),
      accountId,
      employeeId,
      tokens.prompt,
      tokens.completion,
      tokens.microEur,
      new Date(at).toISOString().slice(0, 7),
      at,
    )
    .run();
}

/** A ledger row written directly (report and CSV tests need many, at chosen times). */
export async function entryAt(
  accountId: string,
  employeeId: string,
  e: {
    startedAt: number;
    kind?: string;
    outcome?: string;
    title?: string;
    durationMs?: number;
    promptTokens?: number;
    completionTokens?: number;
    costMicroEur?: number;
    approvals?: number;
    approvalsDenied?: number;
  },
): Promise<void> {
  await entryStatement(accountId, employeeId, e).run();
}

export function entryStatement(
  accountId: string,
  employeeId: string,
  e: Parameters<typeof entryAt>[2],
): D1PreparedStatement {
  return env.DB.prepare(
    `INSERT INTO work_entries (id, account_id, employee_id, kind, title, run_key, started_at, ended_at,
       prompt_tokens, completion_tokens, cost_micro_eur, outcome, approvals, approvals_denied, created_at)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?7)`,
  ).bind(
    crypto.randomUUID(),
    accountId,
    employeeId,
    e.kind ?? "chat",
    e.title ?? "A piece of work",
    crypto.randomUUID(),
    e.startedAt,
    e.startedAt + (e.durationMs ?? 1000),
    e.promptTokens ?? 0,
    e.completionTokens ?? 0,
    e.costMicroEur ?? 0,
    e.outcome ?? "done",
    e.approvals ?? 0,
    e.approvalsDenied ?? 0,
  );
}
