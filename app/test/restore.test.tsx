import { cleanup, fireEvent, render, screen, waitFor, within } from "@solidjs/testing-library";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Employee, EmployeeStatus } from "../../edge/contract/employee.ts";
import { STEP_TEXT } from "../../edge/contract/steps.ts";
import { BackupsPanel } from "../src/components/backups/backups-panel.tsx";
import { RestoredFrom } from "../src/components/backups/restored-from.tsx";
import { StatusBadge } from "../src/components/status-badge.tsx";
import { I18nProvider, type Lang } from "../src/i18n/i18n.tsx";
import { ApiProvider } from "../src/lib/api-context.tsx";
import { backup, employee, NOW } from "./backup-fixtures.ts";
import { fail, fakeApi, type Reply } from "./fake-api.ts";

process.env.TZ = "UTC";

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(NOW);
});
afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

const restoring: Employee = { ...employee, status: "restoring", step: "taking_snapshot" };

function mount(opts: {
  restore?: Reply;
  status?: EmployeeStatus;
  lang?: Lang;
  onChange?: (e: Employee) => void;
}) {
  const fake = fakeApi({
    "GET /api/employees/e1/backups": { status: 200, body: { backups: [backup()] } },
    "POST /api/employees/e1/backups/b1/restore": opts.restore ?? {
      status: 202,
      body: { employee: restoring },
    },
  });
  render(() => (
    <I18nProvider lang={opts.lang ?? "en"}>
      <ApiProvider client={fake.client}>
        <BackupsPanel
          employee={{ ...employee, status: opts.status ?? "running" }}
          role={"owner" as const}
          onChange={opts.onChange ?? (() => {})}
        />
      </ApiProvider>
    </I18nProvider>
  ));
  return fake;
}

const restoreButton = async (name = "Restore the backup of Dec 2, 2026, 1:00 PM") =>
  screen.findByRole("button", { name });

describe("restoring a backup", () => {
  it("asks first, saying what is lost since when, that a backup of now comes first, and that it restarts", async () => {
    const onChange = vi.fn();
    const { calls } = mount({ onChange });
    fireEvent.click(await restoreButton());
    const dialog = screen.getByRole("dialog");
    expect(within(dialog).getByRole("heading").textContent).toBe(
      "Restore Ada to Dec 2, 2026, 1:00 PM?",
    );
    expect(screen.getByTestId("restore-what").textContent).toBe(
      [
        "Everything Ada learned and did since then (2 hours ago) is undone: its memory, its files and its browser's logins go back to how they were at Dec 2, 2026, 1:00 PM.",
        "A backup of Ada as it is now is taken first, so you can go back to it if you change your mind.",
        "Ada restarts and cannot work for a few minutes.",
      ].join(""),
    );
    // Focus is in the dialog, on its first button: the restore itself.
    const confirm = within(dialog).getByRole("button", { name: "Restore" });
    expect(document.activeElement).toBe(confirm);
    expect(calls.filter((c) => c.key.startsWith("POST"))).toEqual([]);
    fireEvent.click(confirm);
    await waitFor(() => expect(onChange).toHaveBeenCalledWith(restoring));
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(calls.map((c) => c.key)).toContain("POST /api/employees/e1/backups/b1/restore");
  });

  it("asks in German too", async () => {
    mount({ lang: "de" });
    fireEvent.click(await restoreButton("Die Sicherung vom 02.12.2026, 13:00 wiederherstellen"));
    expect(screen.getByRole("dialog").textContent).toContain(
      "Alles, was Ada seitdem (vor 2 Stunden) gelernt und getan hat, geht verloren",
    );
  });

  it("says a refusal in words in the dialog, which stays, and fetches the list again", async () => {
    const { calls } = mount({ restore: fail(409, "snapshot_corrupt") });
    fireEvent.click(await restoreButton());
    fireEvent.click(within(screen.getByRole("dialog")).getByRole("button", { name: "Restore" }));
    const alert = await within(screen.getByRole("dialog")).findByRole("alert");
    expect(alert.textContent).toBe(
      "This backup is damaged (its contents do not match their checksum) and cannot be restored. Choose another one.",
    );
    await waitFor(() =>
      expect(calls.filter((c) => c.key === "GET /api/employees/e1/backups")).toHaveLength(2),
    );
  });

  it("says an employee in the middle of something else cannot be restored now", async () => {
    mount({ restore: fail(409, "invalid_state") });
    fireEvent.click(await restoreButton());
    fireEvent.click(within(screen.getByRole("dialog")).getByRole("button", { name: "Restore" }));
    expect((await screen.findByRole("alert")).textContent).toBe(
      "Ada is in the middle of something else. Try again once it is working or stopped.",
    );
  });

  it.each([
    ["provisioning", "A backup can be restored while Ada is working, stopped or needs attention."],
    [
      "restoring",
      "Ada is being restored. It works again as soon as it is back; you can leave this page.",
    ],
  ] as const)("is off while the employee is %s, saying why", async (status, why) => {
    mount({ status });
    const button = (await restoreButton()) as HTMLButtonElement;
    expect(button.disabled).toBe(true);
    expect(
      document.getElementById(button.getAttribute("aria-describedby") ?? "")?.textContent,
    ).toBe(why);
  });
});

describe("restoring, in the status badge", () => {
  const steps = [
    "taking_snapshot",
    "waiting_for_lost_server",
    "fetching_snapshot",
    "swapping_state",
    "moving_to_new_server",
  ] as const;
  const badge = (lang: Lang, step: (typeof steps)[number]) => {
    const { unmount } = render(() => (
      <I18nProvider lang={lang}>
        <StatusBadge status="restoring" step={step} />
      </I18nProvider>
    ));
    const text = screen.getByRole("status").textContent ?? "";
    unmount();
    return text;
  };
  it.each(steps)("says %s in English and in German", (step) => {
    const en = badge("en", step);
    const de = badge("de", step);
    expect(en).toBe(`Restoring · ${STEP_TEXT[step]}`);
    expect(de.startsWith("Wird wiederhergestellt · ")).toBe(true);
    expect(de.slice("Wird wiederhergestellt · ".length)).not.toBe(STEP_TEXT[step]);
  });
});

describe("Restored from", () => {
  const show = (e: Employee, lang: Lang = "en") =>
    render(() => (
      <I18nProvider lang={lang}>
        <RestoredFrom employee={e} />
      </I18nProvider>
    ));
  const at = "2026-12-02T13:00:00Z";

  it("is not there on an employee never restored", () => {
    show(employee);
    expect(screen.queryByTestId("restored-from")).toBeNull();
  });

  it("names the backup's time and how long ago, with the edge's reason after a lost server", () => {
    const reason = "Its server stopped answering: it was moved to another.";
    show({ ...employee, restoredFrom: at, statusReason: reason });
    expect(screen.getByTestId("restored-from").textContent).toBe(
      `Restored from the backup of Dec 2, 2026, 1:00 PM (2 hours ago). ${reason}`,
    );
  });

  it("says where it is going while it is still restoring", () => {
    show({ ...employee, status: "restoring", restoredFrom: at });
    expect(screen.getByTestId("restored-from").textContent).toBe(
      "Being restored to the backup of Dec 2, 2026, 1:00 PM (2 hours ago).",
    );
  });

  it("says it in German, with the edge's English words kept as details", () => {
    show({ ...employee, restoredFrom: at, statusReason: "Its server stopped answering." }, "de");
    const el = screen.getByTestId("restored-from");
    expect(el.textContent).toContain(
      "Wiederhergestellt aus der Sicherung vom 02.12.2026, 13:00 (vor 2 Stunden).",
    );
    expect(el.querySelector("details p[lang=en]")?.textContent).toBe(
      "Its server stopped answering.",
    );
  });
});
