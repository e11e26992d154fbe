import { cleanup, fireEvent, render, screen, waitFor, within } from "@solidjs/testing-library";
import { afterEach, describe, expect, it } from "vitest";
import type { Employee } from "../../edge/contract/employee.ts";
import type { TeamRole } from "../../edge/contract/team.ts";
import { cronSentence, presetCron } from "../src/components/work/cron-text.ts";
import { SchedulePanel } from "../src/components/work/schedule-panel.tsx";
import { I18nProvider, type Lang, translate } from "../src/i18n/i18n.tsx";
import { ApiProvider } from "../src/lib/api-context.tsx";
import "../src/i18n/work-texts.ts";
import { channel, emailChannel } from "./channel-fixtures.ts";
import { fail, fakeApi, type Reply } from "./fake-api.ts";
import { schedule, worker } from "./work-fixtures.ts";

afterEach(cleanup);

const LIST = "GET /api/employees/e1/schedules";
const ADD = "POST /api/employees/e1/schedules";
const CHANNELS = "GET /api/employees/e1/channels";
const listed = (schedules = [schedule()]): Reply => ({ status: 200, body: { schedules } });

function mount(
  routes: Record<string, Reply | ((body: unknown) => Reply)>,
  opts: { role?: TeamRole; lang?: Lang; employee?: Employee } = {},
) {
  const fake = fakeApi({
    [CHANNELS]: { status: 200, body: { channels: [emailChannel()] } },
    ...routes,
  });
  const changed: Employee[] = [];
  render(() => (
    <I18nProvider lang={opts.lang ?? "en"}>
      <ApiProvider client={fake.client}>
        <SchedulePanel
          employee={opts.employee ?? worker()}
          role={opts.role ?? "admin"}
          onChange={(e) => changed.push(e)}
        />
      </ApiProvider>
    </I18nProvider>
  ));
  return { ...fake, changed };
}

const say =
  (lang: Lang) => (key: Parameters<typeof translate>[1], vars?: Record<string, string | number>) =>
    translate(lang, key, vars);
const sentence = (cron: string, zone = "Europe/Berlin", lang: Lang = "en") =>
  cronSentence(cron, zone, say(lang), lang);
const form = () => {
  const el = document.querySelector<HTMLFormElement>("form.schedule-form");
  if (!el) throw new Error("no form");
  return el;
};
const field = (label: string) => within(form()).getByLabelText(label) as HTMLInputElement;
const type = (label: string, value: string) => fireEvent.input(field(label), { target: { value } });
const choose = (label: string, value: string) =>
  fireEvent.change(field(label), { target: { value } });
const errorAt = (name: string) =>
  form().querySelector(`[data-field-error=${name}]`)?.textContent ?? null;

describe("a cron expression in words", () => {
  it("says the common forms, with the time zone", () => {
    expect(sentence("0 9 * * 1-5")).toBe("Every weekday at 09:00 (Europe/Berlin)");
    expect(sentence("30 8 * * *")).toBe("Every day at 08:30 (Europe/Berlin)");
    expect(sentence("0 9 * * 1")).toBe("Every Monday at 09:00 (Europe/Berlin)");
    expect(sentence("15 18 * * 1,3,5")).toBe(
      "Every Monday, Wednesday, and Friday at 18:15 (Europe/Berlin)",
    );
    expect(sentence("0 10 * * 0,6", "UTC")).toBe("Every Saturday and Sunday at 10:00 (UTC)");
    expect(sentence("0 * * * *", "UTC")).toBe("Every hour at minute 00 (UTC)");
    expect(sentence("*/15 * * * *", "UTC")).toBe("Every 15 minutes (UTC)");
    expect(sentence("5 */2 * * *", "UTC")).toBe("Every 2 hours at minute 05 (UTC)");
    expect(sentence("0 7 1 * *", "UTC")).toBe("Every month on day 1 at 07:00 (UTC)");
    expect(sentence("*/10 * * * * *", "UTC")).toBe("Every 10 seconds (UTC)");
  });

  it("shows any other expression as itself", () => {
    expect(sentence("0 9 * 1 1")).toBe("0 9 * 1 1 (Europe/Berlin)");
    expect(sentence("0 9 1-7 * 1")).toBe("0 9 1-7 * 1 (Europe/Berlin)");
    expect(sentence("@daily", "UTC")).toBe("@daily (UTC)");
  });

  it("says it in German too", () => {
    expect(sentence("0 9 * * 1-5", "Europe/Berlin", "de")).toBe(
      "Jeden Werktag um 09:00 (Europe/Berlin)",
    );
    expect(sentence("0 9 * * 1", "Europe/Berlin", "de")).toBe(
      "Jeden Montag um 09:00 (Europe/Berlin)",
    );
  });

  it("turns the form's presets into expressions", () => {
    expect(presetCron("daily", "07:05")).toBe("5 7 * * *");
    expect(presetCron("weekdays", "09:00")).toBe("0 9 * * 1-5");
    expect(presetCron("monday", "18:30")).toBe("30 18 * * 1");
    expect(presetCron("hourly", "18:30")).toBe("0 * * * *");
  });
});

describe("the Schedule tab", () => {
  it("lists each task with its schedule in words, its next run and its last run", async () => {
    mount({
      [LIST]: listed([
        schedule(),
        schedule({
          id: "s2",
          title: "Weekly report",
          cron: "*/7 3 * 2 *",
          enabled: false,
          nextRunAt: null,
          lastRun: null,
          deliverTo: "telegram",
        }),
      ]),
    });
    expect(document.querySelector("[data-state=loading]")).toBeTruthy();
    const first = await waitFor(() => {
      const el = document.querySelector<HTMLElement>("[data-schedule=s1]");
      if (!el) throw new Error("not yet");
      return el;
    });
    expect(within(first).getByRole("heading").textContent).toBe("Morning digest");
    expect(first.querySelector("[data-testid=schedule-when]")?.textContent).toBe(
      "Every weekday at 09:00 (Europe/Berlin)",
    );
    expect(first.querySelector("[data-testid=schedule-next]")?.textContent).toMatch(/^Next run: /);
    expect(first.querySelector("[data-testid=schedule-last]")?.textContent).toMatch(/, Done$/);
    const second = document.querySelector<HTMLElement>("[data-schedule=s2]") as HTMLElement;
    expect(second.querySelector("[data-testid=schedule-when]")?.textContent).toBe(
      "*/7 3 * 2 * (Europe/Berlin)",
    );
    expect(second.querySelector("[data-testid=schedule-next]")?.textContent).toBe(
      "No next run (switched off or paused)",
    );
    expect(second.querySelector("[data-testid=schedule-last]")?.textContent).toBe("Not run yet");
    expect(second.textContent).toContain("Result also goes to Telegram");
    expect((within(second).getByRole("checkbox", { name: "On" }) as HTMLInputElement).checked).toBe(
      false,
    );
  });

  it("says when there is nothing scheduled, and a failure with a retry", async () => {
    let calls = 0;
    mount({ [LIST]: () => (++calls === 1 ? fail(500, "internal") : listed([])) });
    await screen.findByRole("alert");
    fireEvent.click(screen.getByRole("button", { name: "Try again" }));
    expect((await screen.findByText("Nothing is scheduled yet.")).dataset.state).toBe("empty");
  });

  it("shows a member the tasks and hours without a way to change them", async () => {
    mount({ [LIST]: listed() }, { role: "member" });
    await screen.findByText("Morning digest");
    expect(screen.getByTestId("schedule-read-only").textContent).toContain("Admins and the owner");
    expect(screen.queryByRole("checkbox", { name: "On" })).toBeNull();
    expect(screen.queryByRole("button", { name: "Delete" })).toBeNull();
    expect(document.querySelector("form.schedule-form")).toBeNull();
    expect(screen.queryByRole("button", { name: "Save working hours" })).toBeNull();
    expect(screen.getByTestId("hours-now").textContent).toContain("No working hours");
  });

  it("checks the form before sending: required fields, the expression, the time zone", async () => {
    const { calls } = mount({ [LIST]: listed([]) });
    await screen.findByText("Nothing is scheduled yet.");
    fireEvent.click(within(form()).getByRole("button", { name: "Schedule" }));
    expect(errorAt("title")).toBe("Required.");
    expect(errorAt("prompt")).toBe("Required.");
    type("Title", "Digest");
    type("What to do", "Summarise the tickets.");
    choose("When", "advanced");
    type("Cron expression", "every morning");
    type("Time zone", "Mars/Olympus");
    fireEvent.click(within(form()).getByRole("button", { name: "Schedule" }));
    expect(errorAt("title")).toBeNull();
    expect(errorAt("cron")).toBe("Not a cron expression: five fields, e.g. 30 8 * * 1-5.");
    expect(form().textContent).toContain("Choose a time zone from the list.");
    expect(calls.filter((c) => c.key === ADD)).toEqual([]);
  });

  it("sends a preset as its expression, with the time zone and the channel, and lists the task", async () => {
    const { calls } = mount({
      [LIST]: listed([]),
      [CHANNELS]: {
        status: 200,
        body: {
          channels: [
            emailChannel(),
            channel("telegram", { status: "connected" }),
            channel("slack", { status: "failing" }),
          ],
        },
      },
      [ADD]: (body) => ({
        status: 201,
        body: {
          schedule: schedule({ id: "s9", ...(body as object), nextRunAt: null, lastRun: null }),
        },
      }),
    });
    await screen.findByText("Nothing is scheduled yet.");
    type("Title", "Weekly plan");
    type("What to do", "Plan the week.");
    choose("When", "monday");
    type("At", "08:30");
    type("Time zone", "America/New_York");
    // Only the channels that work now are offered.
    await waitFor(() => within(form()).getByLabelText("Send the result to"));
    const options = [...(field("Send the result to") as unknown as HTMLSelectElement).options].map(
      (o) => o.value,
    );
    expect(options).toEqual(["", "email", "telegram"]);
    choose("Send the result to", "telegram");
    expect(screen.getByTestId("schedule-preview").textContent).toBe(
      "Every Monday at 08:30 (America/New_York)",
    );
    fireEvent.click(within(form()).getByRole("button", { name: "Schedule" }));
    const added = await waitFor(() => {
      const el = document.querySelector<HTMLElement>("[data-schedule=s9]");
      if (!el) throw new Error("not yet");
      return el;
    });
    expect(calls.find((c) => c.key === ADD)?.body).toEqual({
      title: "Weekly plan",
      prompt: "Plan the week.",
      cron: "30 8 * * 1",
      timeZone: "America/New_York",
      deliverTo: "telegram",
    });
    expect(added.querySelector("[data-testid=schedule-when]")?.textContent).toBe(
      "Every Monday at 08:30 (America/New_York)",
    );
    expect((field("Title") as HTMLInputElement).value).toBe("");
  });

  it("shows the server's verdict on the expression at the field it came from", async () => {
    const invalid: Reply = {
      status: 400,
      body: {
        error: {
          code: "invalid_schedule",
          message: "That schedule is not valid.",
          fields: { cron: "It fires more often than every 300 seconds." },
        },
      },
    };
    mount({ [LIST]: listed([]), [ADD]: invalid });
    await screen.findByText("Nothing is scheduled yet.");
    type("Title", "Often");
    type("What to do", "Check the inbox.");
    choose("When", "advanced");
    type("Cron expression", "* * * * *");
    fireEvent.click(within(form()).getByRole("button", { name: "Schedule" }));
    await waitFor(() =>
      expect(errorAt("cron")).toBe("It fires more often than every 300 seconds."),
    );
    expect(field("Cron expression").getAttribute("aria-invalid")).toBe("true");
    // With a preset, the same verdict is said at the time.
    choose("When", "daily");
    fireEvent.click(within(form()).getByRole("button", { name: "Schedule" }));
    await waitFor(() =>
      expect(errorAt("time")).toBe("It fires more often than every 300 seconds."),
    );
  });

  it("says when the employee has as many tasks as it may have", async () => {
    mount({ [LIST]: listed([]), [ADD]: fail(409, "schedule_limit_reached") });
    await screen.findByText("Nothing is scheduled yet.");
    type("Title", "One more");
    type("What to do", "Anything.");
    fireEvent.click(within(form()).getByRole("button", { name: "Schedule" }));
    expect((await screen.findByTestId("schedule-alert")).textContent).toBe(
      "This employee has as many scheduled tasks as it may have.",
    );
  });

  it("switches a task off and deletes one after asking", async () => {
    const { calls } = mount({
      [LIST]: listed(),
      "PATCH /api/employees/e1/schedules/s1": (body) => ({
        status: 200,
        body: { schedule: schedule({ ...(body as object), nextRunAt: null }) },
      }),
      "DELETE /api/employees/e1/schedules/s1": { status: 204 },
    });
    await screen.findByText("Morning digest");
    fireEvent.click(screen.getByRole("checkbox", { name: "On" }));
    await waitFor(() =>
      expect(document.querySelector("[data-schedule=s1]")?.getAttribute("data-enabled")).toBe(
        "false",
      ),
    );
    expect(calls.find((c) => c.key.startsWith("PATCH"))?.body).toEqual({ enabled: false });
    fireEvent.click(screen.getByRole("button", { name: "Delete" }));
    const dialog = await screen.findByRole("dialog");
    expect(dialog.textContent).toContain("Delete “Morning digest”?");
    expect(calls.some((c) => c.key.startsWith("DELETE"))).toBe(false);
    fireEvent.click(within(dialog).getByRole("button", { name: "Delete" }));
    await screen.findByText("Nothing is scheduled yet.");
    expect(calls.some((c) => c.key === "DELETE /api/employees/e1/schedules/s1")).toBe(true);
  });

  it("saves working hours for an admin, and clears them", async () => {
    const hours = { days: [1, 2, 3], start: "08:00", end: "16:30", timeZone: "Europe/Berlin" };
    const { calls, changed } = mount(
      {
        [LIST]: listed([]),
        "PATCH /api/employees/e1": (body) => ({
          status: 200,
          body: { employee: worker(body as Partial<Employee>) },
        }),
      },
      { employee: worker({ workingHours: hours }) },
    );
    await screen.findByText("Nothing is scheduled yet.");
    expect(screen.getByTestId("hours-now").textContent).toBe(
      "Mon, Tue, Wed, 08:00–16:30 (Europe/Berlin)",
    );
    const section = document.querySelector<HTMLElement>(".working-hours") as HTMLElement;
    fireEvent.click(within(section).getByRole("checkbox", { name: "Fri" }));
    fireEvent.input(within(section).getByLabelText("To"), { target: { value: "17:00" } });
    fireEvent.click(within(section).getByRole("button", { name: "Save working hours" }));
    await waitFor(() => expect(changed.length).toBe(1));
    expect(calls.find((c) => c.key === "PATCH /api/employees/e1")?.body).toEqual({
      workingHours: { days: [1, 2, 3, 5], start: "08:00", end: "17:00", timeZone: "Europe/Berlin" },
    });
    fireEvent.click(within(section).getByRole("button", { name: "No working hours" }));
    await waitFor(() => expect(changed.length).toBe(2));
    expect(calls.filter((c) => c.key === "PATCH /api/employees/e1").at(-1)?.body).toEqual({
      workingHours: null,
    });
  });
});
