import { Router } from "@solidjs/router";
import { cleanup, fireEvent, render, screen, waitFor, within } from "@solidjs/testing-library";
import { afterEach, describe, expect, it } from "vitest";
import type { EmployeeBudget } from "../../edge/contract/ledger.ts";
import { BudgetMarker } from "../src/components/budget-marker.tsx";
import { BudgetSpentBanner } from "../src/components/budget-spent-banner.tsx";
import { AccountTimeZone } from "../src/components/work/account-time-zone.tsx";
import { mondayOf, shiftWeek, weekOf } from "../src/components/work/iso-week.ts";
import { TeamReport } from "../src/components/work/team-report.tsx";
import { I18nProvider, type Lang } from "../src/i18n/i18n.tsx";
import { ApiProvider } from "../src/lib/api-context.tsx";
import "../src/i18n/workspace-texts.ts";
import { fail, fakeApi, type Reply } from "./fake-api.ts";
import { employeeReport, figures, reportCard, worker } from "./work-fixtures.ts";

afterEach(cleanup);

const REPORT = "GET /api/report";

function mount(
  routes: Record<string, Reply | ((body: unknown, query: URLSearchParams) => Reply)>,
  view: () => import("solid-js").JSX.Element,
  lang: Lang = "en",
) {
  const fake = fakeApi(routes);
  render(() => (
    <I18nProvider lang={lang}>
      <ApiProvider client={fake.client}>
        <Router>{[{ path: "*", component: view }]}</Router>
      </ApiProvider>
    </I18nProvider>
  ));
  return fake;
}

const team: Reply = {
  status: 200,
  body: {
    report: reportCard({
      timeZone: "Europe/Berlin",
      from: "2026-11-29T23:00:00.000Z",
      to: "2026-12-06T23:00:00.000Z",
      totals: figures({
        work: { chat: 7, channel: 2, schedule: 3, heartbeat: 0 },
        costCents: 456.7,
        approvalsRequested: 5,
        approvalsAllowed: 4,
        approvalsDenied: 1,
        minutesSaved: 210,
      }),
      employees: [
        employeeReport({
          ...figures({
            work: { chat: 5, channel: 2, schedule: 0, heartbeat: 0 },
            costCents: 300,
            approvalsRequested: 5,
            approvalsAllowed: 4,
            approvalsDenied: 1,
            minutesSaved: 120,
          }),
        }),
        employeeReport({
          employeeId: "e2",
          name: "Grace",
          ...figures({
            work: { chat: 2, channel: 0, schedule: 3, heartbeat: 0 },
            costCents: 156.7,
            minutesSaved: 90,
          }),
        }),
      ],
    }),
  },
};

describe("the team's report card", () => {
  it("shows the week's totals and a row per employee, linked to its page", async () => {
    mount({ [REPORT]: team }, () => <TeamReport />);
    const totals = await screen.findByTestId("team-totals");
    const figure = (name: string) => totals.querySelector(`[data-figure=${name}]`)?.textContent;
    expect(figure("work")).toBe("12Chat: 7Channel: 2Scheduled: 3");
    expect(figure("cost")).toBe("€4.57");
    expect(figure("approvals")).toBe("5 asked, 4 allowed, 1 denied");
    expect(figure("saved")).toBe("3.5 h");
    // The week's days in the account's time zone, not the browser's.
    expect(screen.getByTestId("report-week").textContent).toBe(
      "Week 2026-W49: November 30, 2026 – December 6, 2026",
    );
    expect(screen.getByText("Weeks run Monday to Sunday in Europe/Berlin.")).toBeTruthy();
    const rows = [...document.querySelectorAll<HTMLElement>("table.report-team tbody tr")];
    expect(rows.map((r) => r.dataset.employee)).toEqual(["e1", "e2"]);
    const grace = rows[1] as HTMLElement;
    expect(within(grace).getByRole("link", { name: "Grace" }).getAttribute("href")).toBe(
      "/employees/e2",
    );
    const cell = (label: string) => grace.querySelector(`td[data-label="${label}"]`)?.textContent;
    expect(cell("Work done")).toBe("5");
    expect(cell("Cost")).toBe("€1.57");
    expect(cell("Hours saved (estimated)")).toBe("1.5 h");
    // At 375 px each row is a card (work.css): every cell says what it is.
    for (const td of document.querySelectorAll("table.report-team td"))
      expect(td.getAttribute("data-label")).toBeTruthy();
  });

  it("asks for the previous week, and says a failure with a retry", async () => {
    let n = 0;
    const { calls } = mount(
      { [REPORT]: (_, query) => (query.get("week") && ++n === 1 ? fail(500, "internal") : team) },
      () => <TeamReport />,
    );
    await screen.findByTestId("team-totals");
    fireEvent.click(screen.getByRole("button", { name: "← Previous week" }));
    await screen.findByRole("alert");
    expect(calls.at(-1)?.query).toBe("?week=2026-W48");
    fireEvent.click(screen.getByRole("button", { name: "Try again" }));
    await screen.findByTestId("team-totals");
    expect(calls.at(-1)?.query).toBe("?week=2026-W48");
  });

  it("says when the team had no employees that week, in German too", async () => {
    mount(
      { [REPORT]: { status: 200, body: { report: reportCard() } } },
      () => <TeamReport />,
      "de",
    );
    expect((await screen.findByText("Keine Mitarbeiter in dieser Woche.")).dataset.state).toBe(
      "empty",
    );
    expect(screen.getByTestId("report-week").textContent).toBe(
      "Woche 2026-W49: 30. November 2026 – 6. Dezember 2026",
    );
  });
});

describe("ISO weeks", () => {
  it("finds a week's Monday and steps across years", () => {
    expect(mondayOf("2026-W49").toISOString()).toBe("2026-11-30T00:00:00.000Z");
    expect(mondayOf("2026-W01").toISOString()).toBe("2025-12-29T00:00:00.000Z");
    expect(weekOf(new Date("2027-01-01T12:00:00Z"))).toBe("2026-W53");
    expect(shiftWeek("2026-W01", -1)).toBe("2025-W52");
    expect(shiftWeek("2026-W53", 1)).toBe("2027-W01");
    expect(shiftWeek("2026-W49", -1)).toBe("2026-W48");
  });
});

describe("an employee's budget outside its Work tab", () => {
  const budget = (state: EmployeeBudget["state"]): EmployeeBudget => ({
    limitCents: 1000,
    spentCents: state === "spent" ? 1000 : state === "warning" ? 850 : 100,
    state,
  });

  it("marks the dashboard's card at 80 % and when spent, and not otherwise", () => {
    const marker = (b: EmployeeBudget | undefined) => {
      render(() => <BudgetMarker employee={worker(b ? { budget: b } : {})} />);
      const el = document.querySelector<HTMLElement>("[data-testid=budget-marker]");
      const seen = el ? { text: el.textContent, tone: el.dataset.tone } : null;
      cleanup();
      return seen;
    };
    expect(marker(budget("warning"))).toEqual({ text: "Budget 80 % used", tone: "warning" });
    expect(marker(budget("spent"))).toEqual({ text: "Budget spent", tone: "danger" });
    expect(marker(budget("ok"))).toBeNull();
    expect(marker(undefined)).toBeNull();
  });

  it("says on the employee's page that a spent budget stops it", () => {
    render(() => <BudgetSpentBanner employee={worker({ budget: budget("spent") })} />);
    expect(screen.getByRole("alert").textContent).toBe(
      "Ada has spent its own AI budget for this month: it does no work until the owner raises it or next month begins.",
    );
    cleanup();
    render(() => <BudgetSpentBanner employee={worker({ budget: budget("warning") })} />);
    expect(screen.queryByRole("alert")).toBeNull();
  });
});

describe("the account's time zone", () => {
  it("is sent when it is one of the list, and refused at the field when not", async () => {
    let changed = 0;
    const { calls } = mount(
      {
        "PATCH /api/account": {
          status: 200,
          body: {
            account: {
              id: "a1",
              name: "Acme",
              role: "owner",
              active: true,
              deletionScheduledFor: null,
              timeZone: "Europe/Berlin",
            },
          },
        },
      },
      () => <AccountTimeZone timeZone="UTC" onChanged={() => changed++} />,
    );
    const input = (await screen.findByLabelText("Time zone")) as HTMLInputElement;
    expect(input.value).toBe("UTC");
    const save = screen.getByRole("button", { name: "Save time zone" }) as HTMLButtonElement;
    expect(save.disabled).toBe(true);
    fireEvent.input(input, { target: { value: "Europe/Atlantis" } });
    fireEvent.click(save);
    expect(screen.getByText("Choose a time zone from the list.")).toBeTruthy();
    expect(calls).toEqual([]);
    fireEvent.input(input, { target: { value: "Europe/Berlin" } });
    fireEvent.click(save);
    await waitFor(() => expect(changed).toBe(1));
    expect(calls[0]?.body).toEqual({ timeZone: "Europe/Berlin" });
  });
});
