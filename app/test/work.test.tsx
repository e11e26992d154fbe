import { cleanup, fireEvent, render, screen, waitFor, within } from "@solidjs/testing-library";
import { afterEach, describe, expect, it } from "vitest";
import type { Employee } from "../../edge/contract/employee.ts";
import type { EmployeeBudget, WorkEntryView } from "../../edge/contract/ledger.ts";
import type { TeamRole } from "../../edge/contract/team.ts";
import { raised } from "../src/components/work/budget-block.tsx";
import { LEDGER_PAGE_SIZE, ledgerCsvHref } from "../src/components/work/ledger.tsx";
import { WorkPanel } from "../src/components/work/work-panel.tsx";
import { I18nProvider, type Lang } from "../src/i18n/i18n.tsx";
import { ApiProvider } from "../src/lib/api-context.tsx";
import { fail, fakeApi, type Reply } from "./fake-api.ts";
import { employeeReport, entry, figures, reportCard, worker } from "./work-fixtures.ts";

afterEach(cleanup);

const LEDGER = "GET /api/employees/e1/ledger";
const REPORT = "GET /api/employees/e1/report";
const PATCH = "PATCH /api/employees/e1";
const page = (entries: WorkEntryView[]): Reply => ({ status: 200, body: { entries } });
const many = (from: number, n: number) => Array.from({ length: n }, (_, i) => entry(from + i));
const report: Reply = {
  status: 200,
  body: { report: reportCard({ employees: [employeeReport()] }) },
};

function mount(
  routes: Record<string, Reply | ((body: unknown, query: URLSearchParams) => Reply)>,
  opts: { role?: TeamRole; lang?: Lang; employee?: Employee } = {},
) {
  const fake = fakeApi({ [REPORT]: report, ...routes });
  const changed: Employee[] = [];
  render(() => (
    <I18nProvider lang={opts.lang ?? "en"}>
      <ApiProvider client={fake.client}>
        <WorkPanel
          employee={opts.employee ?? worker()}
          role={opts.role ?? "owner"}
          onChange={(e) => changed.push(e)}
        />
      </ApiProvider>
    </I18nProvider>
  ));
  return { ...fake, changed };
}

const rows = () => [...document.querySelectorAll<HTMLElement>("table.ledger tbody tr")];
const ledgerCalls = (calls: { key: string; query: string }[]) =>
  calls.filter((c) => c.key === LEDGER).map((c) => new URLSearchParams(c.query));

describe("the work ledger", () => {
  it("lists the work newest first with its figures, each cell labelled for the phone's cards", async () => {
    mount({
      [LEDGER]: page([
        entry(1, {
          kind: "schedule",
          title: "Morning digest",
          durationMs: 65_000,
          promptTokens: 1500,
          completionTokens: 500,
          costCents: 12.5,
          approvals: 3,
          approvalsDenied: 1,
          outcome: "denied",
        }),
        entry(2),
      ]),
    });
    expect(document.querySelector(".ledger-section [data-state=loading]")).toBeTruthy();
    await waitFor(() => expect(rows().length).toBe(2));
    const first = rows()[0] as HTMLElement;
    const cell = (label: string) => first.querySelector(`td[data-label="${label}"]`)?.textContent;
    expect(cell("Kind")).toBe("Scheduled");
    expect(cell("Title")).toBe("Morning digest");
    expect(cell("Duration")).toBe("1 min 5 s");
    expect(cell("Tokens")).toBe("2,000");
    expect(cell("Cost")).toBe("€0.13");
    expect(cell("Outcome")).toBe("Denied");
    expect(cell("Approvals")).toBe("3, 1 denied");
    // At 375 px the table is a card per entry (work.css): every cell says what it is.
    for (const td of document.querySelectorAll("table.ledger td"))
      expect(td.getAttribute("data-label")).toBeTruthy();
  });

  it("filters by kind, outcome and days, and the CSV link carries the same filters", async () => {
    const { calls } = mount({ [LEDGER]: page([entry(1)]) });
    await waitFor(() => expect(rows().length).toBe(1));
    const section = document.querySelector<HTMLElement>(".ledger-section") as HTMLElement;
    fireEvent.change(within(section).getByLabelText("Kind"), { target: { value: "schedule" } });
    await waitFor(() => expect(ledgerCalls(calls).length).toBe(2));
    fireEvent.change(within(section).getByLabelText("Outcome"), { target: { value: "failed" } });
    fireEvent.change(within(section).getByLabelText("From"), { target: { value: "2026-12-01" } });
    fireEvent.change(within(section).getByLabelText("To"), { target: { value: "2026-12-03" } });
    await waitFor(() => expect(ledgerCalls(calls).length).toBe(5));
    const last = ledgerCalls(calls).at(-1) as URLSearchParams;
    expect(last.get("kind")).toBe("schedule");
    expect(last.get("outcome")).toBe("failed");
    expect(last.get("from")).toBe(new Date("2026-12-01T00:00:00").toISOString());
    expect(last.get("to")).toBe(new Date("2026-12-03T23:59:59.999").toISOString());
    expect(last.get("limit")).toBe(String(LEDGER_PAGE_SIZE));
    expect(last.has("before")).toBe(false);
    const csv = new URL(
      (screen.getByRole("link", { name: "Download CSV" }) as HTMLAnchorElement).href,
      "http://app.test",
    );
    expect(csv.pathname).toBe("/api/employees/e1/ledger");
    expect(csv.searchParams.get("format")).toBe("csv");
    expect(csv.searchParams.get("kind")).toBe("schedule");
    expect(csv.searchParams.get("outcome")).toBe("failed");
    expect(csv.searchParams.get("from")).toBe(last.get("from"));
    expect(csv.searchParams.has("limit")).toBe(false);
  });

  it("pages back with before = the last entry's start, until a page is short", async () => {
    const first = many(1, LEDGER_PAGE_SIZE);
    const { calls } = mount({
      [LEDGER]: (_, query) => (query.has("before") ? page(many(LEDGER_PAGE_SIZE, 3)) : page(first)),
    });
    await waitFor(() => expect(rows().length).toBe(LEDGER_PAGE_SIZE));
    fireEvent.click(screen.getByRole("button", { name: "Load more" }));
    // The last entry shown comes again (same start): it is shown once.
    await waitFor(() => expect(rows().length).toBe(LEDGER_PAGE_SIZE + 2));
    expect(ledgerCalls(calls)[1]?.get("before")).toBe(first.at(-1)?.startedAt);
    expect(screen.queryByRole("button", { name: "Load more" })).toBeNull();
  });

  it("says when there is no work, when none matches, and a failure with a retry", async () => {
    let n = 0;
    mount({ [LEDGER]: () => (++n === 1 ? fail(500, "internal") : page([])) });
    const alert = await waitFor(() => {
      const el = document.querySelector<HTMLElement>(".ledger-section [data-state=error]");
      if (!el) throw new Error("not yet");
      return el;
    });
    fireEvent.click(within(alert).getByRole("button", { name: "Try again" }));
    expect((await screen.findByText("No work yet.")).dataset.state).toBe("empty");
    const section = document.querySelector<HTMLElement>(".ledger-section") as HTMLElement;
    fireEvent.change(within(section).getByLabelText("Outcome"), { target: { value: "failed" } });
    await screen.findByText("No work matches these filters.");
  });

  it("builds the CSV address of an employee's filtered ledger", () => {
    expect(ledgerCsvHref("e 1", { kind: "chat", outcome: "" })).toBe(
      "/api/employees/e%201/ledger?kind=chat&format=csv",
    );
  });
});

describe("an employee's own budget", () => {
  const budget = (over: Partial<EmployeeBudget>): EmployeeBudget => ({
    limitCents: 2000,
    spentCents: 500,
    state: "ok",
    ...over,
  });
  const block = () => screen.getByTestId("budget");

  it("shows what is spent of its limit, with a bar and no warning while under 80 %", async () => {
    mount({ [LEDGER]: page([]) }, { employee: worker({ budget: budget({}) }) });
    expect(block().dataset.state).toBe("ok");
    expect(screen.getByTestId("budget-figures").textContent).toBe("€5.00 of €20.00 spent");
    expect(within(block()).getByRole("progressbar").getAttribute("aria-valuenow")).toBe("25");
    expect(screen.queryByTestId("budget-state")).toBeNull();
  });

  it("warns at 80 % and says that a spent budget stops the employee", async () => {
    mount(
      { [LEDGER]: page([]) },
      { employee: worker({ budget: budget({ spentCents: 1700, state: "warning" }) }) },
    );
    expect(screen.getByTestId("budget-state").textContent).toBe(
      "Over 80 % of its budget is spent.",
    );
    expect(screen.getByTestId("budget-state").dataset.tone).toBe("warning");
    cleanup();
    mount(
      { [LEDGER]: page([]) },
      { employee: worker({ budget: budget({ spentCents: 2050, state: "spent" }) }) },
    );
    expect(block().dataset.state).toBe("spent");
    expect(within(block()).getByRole("progressbar").getAttribute("aria-valuenow")).toBe("100");
    expect(screen.getByTestId("budget-state").textContent).toContain(
      "it stops until the budget is raised or next month begins",
    );
  });

  it("says when it has no limit of its own", () => {
    mount(
      { [LEDGER]: page([]) },
      { employee: worker({ budget: { limitCents: null, spentCents: 730, state: "ok" } }) },
    );
    expect(block().dataset.state).toBe("none");
    expect(screen.getByTestId("budget-none").textContent).toBe(
      "No limit of its own: only the account's budget applies.",
    );
    expect(block().textContent).toContain("€7.30 spent this month");
    expect(within(block()).queryByRole("progressbar")).toBeNull();
  });

  it("lets the owner raise it by half in one click, or type a limit", async () => {
    const { calls, changed } = mount(
      {
        [LEDGER]: page([]),
        [PATCH]: (body) => ({
          status: 200,
          body: {
            employee: worker({
              budget: {
                limitCents: (body as { budgetCents: number }).budgetCents,
                spentCents: 2050,
                state: "ok",
              },
            }),
          },
        }),
      },
      { employee: worker({ budget: budget({ spentCents: 2050, state: "spent" }) }) },
    );
    fireEvent.click(within(block()).getByRole("button", { name: "Raise by 50 %" }));
    await waitFor(() => expect(changed.length).toBe(1));
    expect(calls.find((c) => c.key === PATCH)?.body).toEqual({ budgetCents: 3000 });
    fireEvent.input(within(block()).getByLabelText("Monthly limit (€)"), {
      target: { value: "45,50" },
    });
    fireEvent.click(within(block()).getByRole("button", { name: "Set limit" }));
    await waitFor(() => expect(changed.length).toBe(2));
    expect(calls.filter((c) => c.key === PATCH).at(-1)?.body).toEqual({ budgetCents: 4550 });
    expect(raised(0)).toBe(500);
    expect(raised(1999)).toBe(3000);
    expect(raised(900_000)).toBe(1_000_000);
  });

  it("is read-only to admins and members: only the owner sets budgets", () => {
    for (const role of ["admin", "member"] as const) {
      mount({ [LEDGER]: page([]) }, { role, employee: worker({ budget: budget({}) }) });
      expect(within(block()).queryByRole("button", { name: "Raise by 50 %" })).toBeNull();
      expect(within(block()).queryByLabelText("Monthly limit (€)")).toBeNull();
      expect(screen.getByTestId("budget-owner-only").textContent).toBe(
        "The owner sets employees' budgets.",
      );
      cleanup();
    }
  });
});

describe("the employee's report card", () => {
  it("shows the week's work by kind, cost, approvals and hours saved, and steps through weeks", async () => {
    const { calls } = mount({
      [LEDGER]: page([]),
      [REPORT]: (_, query) => {
        const week = query.get("week");
        return {
          status: 200,
          body: {
            report: reportCard({
              week: week ?? "2026-W49",
              from: week ? "2026-11-23T00:00:00.000Z" : "2026-11-30T00:00:00.000Z",
              to: week ? "2026-11-30T00:00:00.000Z" : "2026-12-07T00:00:00.000Z",
              employees: [
                employeeReport({
                  ...figures({
                    work: { chat: 4, channel: 0, schedule: 2, heartbeat: 0 },
                    costCents: 123.4,
                    approvalsRequested: 3,
                    approvalsAllowed: 2,
                    approvalsDenied: 1,
                    minutesSaved: week ? 60 : 150,
                  }),
                }),
              ],
            }),
          },
        };
      },
    });
    const card = await screen.findByTestId("employee-report");
    const figure = (name: string) => card.querySelector(`[data-figure=${name}]`)?.textContent;
    expect(figure("work")).toBe("6Chat: 4Scheduled: 2");
    expect(figure("cost")).toBe("€1.23");
    expect(figure("approvals")).toBe("3 asked, 2 allowed, 1 denied");
    expect(figure("saved")).toBe("2.5 h");
    expect(screen.getByTestId("report-week").textContent).toBe(
      "Week 2026-W49: November 30, 2026 – December 6, 2026",
    );
    expect(
      (screen.getByRole("button", { name: "Next week →" }) as HTMLButtonElement).disabled,
    ).toBe(true);
    fireEvent.click(screen.getByRole("button", { name: "← Previous week" }));
    await waitFor(() =>
      expect(screen.getByTestId("report-week").textContent).toContain("2026-W48"),
    );
    expect(
      new URLSearchParams(calls.filter((c) => c.key === REPORT).at(-1)?.query).get("week"),
    ).toBe("2026-W48");
    expect(figure("saved")).toBe("1 h");
    fireEvent.click(screen.getByRole("button", { name: "Next week →" }));
    await waitFor(() =>
      expect(screen.getByTestId("report-week").textContent).toContain("2026-W49"),
    );
    expect(calls.filter((c) => c.key === REPORT).at(-1)?.query).toBe("");
  });

  it("lets the owner set the minutes each kind of work saves; others do not see it", async () => {
    const { calls } = mount({
      [LEDGER]: page([]),
      [PATCH]: (body) => ({ status: 200, body: { employee: worker(body as Partial<Employee>) } }),
    });
    await screen.findByTestId("employee-report");
    const form = document.querySelector<HTMLElement>("form.minutes-saved") as HTMLElement;
    expect((within(form).getByLabelText("Scheduled") as HTMLInputElement).value).toBe("15");
    fireEvent.input(within(form).getByLabelText("Scheduled"), { target: { value: "30" } });
    fireEvent.click(within(form).getByRole("button", { name: "Save estimates" }));
    await waitFor(() => expect(calls.some((c) => c.key === PATCH)).toBe(true));
    expect(calls.find((c) => c.key === PATCH)?.body).toEqual({
      minutesSaved: { chat: 5, channel: 5, schedule: 30, heartbeat: 2 },
    });
    // A refetch shows the figures with the new estimate.
    await waitFor(() => expect(calls.filter((c) => c.key === REPORT).length).toBe(2));
    cleanup();
    mount({ [LEDGER]: page([]) }, { role: "admin" });
    await screen.findByTestId("employee-report");
    expect(document.querySelector("form.minutes-saved")).toBeNull();
  });
});
