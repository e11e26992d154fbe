import { cleanup, fireEvent, render, screen, waitFor, within } from "@solidjs/testing-library";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Backup } from "../../edge/contract/backup.ts";
import { type ApiClient, createApiClient } from "../../edge/contract/client.ts";
import type { Employee, EmployeeStatus } from "../../edge/contract/employee.ts";
import { liveFrame } from "../../edge/contract/live.ts";
import type { TeamRole } from "../../edge/contract/team.ts";
import { BACKUPS_PAGE, BackupsPanel } from "../src/components/backups/backups-panel.tsx";
import { I18nProvider, type Lang } from "../src/i18n/i18n.tsx";
import { ApiProvider } from "../src/lib/api-context.tsx";
import { mergeBackup } from "../src/lib/backup-store.ts";
import { createLiveEmployee } from "../src/lib/live.ts";
import { backup, employee, fakeFeed, hourly, NOW } from "./backup-fixtures.ts";
import { fail, fakeApi, type Reply } from "./fake-api.ts";

// The days a backup falls on are the visitor's: fixed here, so "Today" is today on any machine.
process.env.TZ = "UTC";

beforeEach(() => {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(NOW);
});
afterEach(() => {
  cleanup();
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

const list = (backups: Backup[]): Reply => ({ status: 200, body: { backups } });

function mount(
  opts: {
    routes?: Record<string, Reply | ((body: unknown) => Reply)>;
    client?: ApiClient;
    role?: TeamRole;
    status?: EmployeeStatus;
    lang?: Lang;
    onChange?: (e: Employee) => void;
  } = {},
) {
  const fake = fakeApi(opts.routes ?? {});
  const live = fakeFeed();
  const e = { ...employee, status: opts.status ?? "running" };
  render(() => (
    <I18nProvider lang={opts.lang ?? "en"}>
      <ApiProvider client={opts.client ?? fake.client}>
        <BackupsPanel
          employee={e}
          role={opts.role ?? "admin"}
          feed={live.feed}
          onChange={opts.onChange ?? (() => {})}
        />
      </ApiProvider>
    </I18nProvider>
  ));
  return { ...fake, ...live };
}

const rows = () => [...document.querySelectorAll<HTMLElement>("li.backup")];
const row = (id: string) => {
  const el = document.querySelector<HTMLElement>(`li.backup[data-backup="${id}"]`);
  if (!el) throw new Error(`no row ${id}`);
  return el;
};

describe("the Backups tab's list", () => {
  it("says it is loading while the list is on its way", () => {
    mount({ routes: { "GET /api/employees/e1/backups": "pending" } });
    expect(document.querySelector("[data-state=loading]")?.textContent).toBe("Loading…");
  });

  it("lists restore points newest first, by day, with the time, why, size and state", async () => {
    mount({
      routes: {
        "GET /api/employees/e1/backups": list([
          backup({ id: "old", createdAt: "2026-12-01T09:15:00Z", reason: "pre_op" }),
          backup({ id: "new", createdAt: "2026-12-02T12:00:00Z", reason: "manual" }),
          backup({
            id: "bad",
            createdAt: "2026-12-02T10:00:00Z",
            status: "failed",
            completedAt: null,
            sizeBytes: 0,
            error: "The server stopped answering while it uploaded.",
          }),
        ]),
      },
    });
    await waitFor(() => expect(rows()).toHaveLength(3));
    expect(rows().map((r) => r.dataset.backup)).toEqual(["new", "bad", "old"]);
    expect(screen.getAllByRole("heading", { level: 3 }).map((h) => h.textContent)).toEqual([
      "Today",
      "Yesterday",
    ]);
    const fresh = row("new");
    expect(fresh.textContent).toContain("12:00");
    expect(fresh.textContent).toContain("3 hours ago");
    expect(fresh.querySelector("time")?.getAttribute("title")).toContain("December 2, 2026");
    expect(fresh.textContent).toContain("Taken by hand");
    expect(fresh.textContent).toContain("5.0 MB");
    expect(fresh.textContent).toContain("Complete");
    expect(row("old").textContent).toContain("Before an upgrade");
    expect(row("bad").textContent).toContain("Failed");
    expect(row("bad").textContent).toContain("The server stopped answering while it uploaded.");
  });

  it("says a failure to load in words, and tries again", async () => {
    let answer: Reply = fail(503, "internal_error");
    mount({ routes: { "GET /api/employees/e1/backups": () => answer } });
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toContain("The edge said internal_error.");
    answer = list([backup()]);
    fireEvent.click(within(alert).getByRole("button", { name: "Try again" }));
    await waitFor(() => expect(rows()).toHaveLength(1));
  });

  it("says when there is none yet, and when the first one comes", async () => {
    mount({ routes: { "GET /api/employees/e1/backups": list([]) } });
    const empty = await waitFor(() => {
      const el = document.querySelector("[data-state=empty]");
      if (!el) throw new Error("not yet");
      return el;
    });
    expect(empty.textContent).toBe(
      "No backups yet: the first is taken within 15 minutes of Ada starting. You can also take one now.",
    );
  });

  it(`shows ${BACKUPS_PAGE} at first, and the older ones when asked`, async () => {
    mount({ routes: { "GET /api/employees/e1/backups": list(hourly(BACKUPS_PAGE + 5)) } });
    await waitFor(() => expect(rows()).toHaveLength(BACKUPS_PAGE));
    fireEvent.click(screen.getByRole("button", { name: "Show older backups" }));
    expect(rows()).toHaveLength(BACKUPS_PAGE + 5);
    expect(screen.queryByRole("button", { name: "Show older backups" })).toBeNull();
  });
});

describe("who may back up and restore", () => {
  it.each(["owner", "admin", "member"] as const)("%s", async (role) => {
    mount({ role, routes: { "GET /api/employees/e1/backups": list([backup()]) } });
    await waitFor(() => expect(rows()).toHaveLength(1));
    const buttons = screen.queryAllByRole("button").map((b) => b.textContent);
    if (role === "member") {
      expect(buttons).toEqual([]);
      expect(screen.getByTestId("backups-read-only").textContent).toBe(
        "Admins and the owner take backups and restore them.",
      );
    } else {
      expect(buttons).toEqual(["Back up now", "Restore"]);
      expect(screen.queryByTestId("backups-read-only")).toBeNull();
    }
  });
});

describe("Back up now", () => {
  it.each([
    ["provisioning", "Backups can be taken while Ada is working or stopped."],
    ["restoring", "Backups can be taken while Ada is working or stopped."],
    ["none", "Backups can be taken while Ada is working or stopped."],
  ] as const)("is off while the employee is %s, saying why", async (status, why) => {
    mount({ status, routes: { "GET /api/employees/e1/backups": list([]) } });
    const button = screen.getByRole("button", { name: "Back up now" }) as HTMLButtonElement;
    expect(button.disabled).toBe(true);
    const described = document.getElementById(button.getAttribute("aria-describedby") ?? "");
    expect(described?.textContent).toBe(why);
  });

  it("shows the new backup at once; live frames move its bar and complete it, without fetching again", async () => {
    const pending = backup({
      id: "b9",
      createdAt: "2026-12-02T15:00:00Z",
      completedAt: null,
      sizeBytes: 0,
      reason: "manual",
      status: "pending",
      progress: { phase: "archiving", bytesDone: 0, bytesTotal: null },
    });
    const { calls, send } = mount({
      routes: {
        "GET /api/employees/e1/backups": list([backup()]),
        "POST /api/employees/e1/backups": { status: 202, body: { backup: pending } },
      },
    });
    await waitFor(() => expect(rows()).toHaveLength(1));
    const button = screen.getByRole("button", { name: "Back up now" }) as HTMLButtonElement;
    fireEvent.click(button);
    await waitFor(() => expect(rows()).toHaveLength(2));
    expect(row("b9").textContent).toContain("In progress");
    expect(row("b9").textContent).toContain("Packing up its state");
    // One is being taken: a second would only answer that one.
    expect(button.disabled).toBe(true);
    expect(document.getElementById("backup-now-why")?.textContent).toBe(
      "A backup is being taken right now.",
    );
    const mb = 1024 * 1024;
    send({ ...pending, progress: { phase: "uploading", bytesDone: 2 * mb, bytesTotal: 8 * mb } });
    const bar = row("b9").querySelector("progress");
    expect(bar?.value).toBe(2 * mb);
    expect(bar?.max).toBe(8 * mb);
    expect(bar?.getAttribute("aria-label")).toBe("Uploading: 2.0 MB of 8.0 MB");
    // Another employee's frame is not this list's.
    send({ ...pending, id: "other" }, "e2");
    send({ ...pending, status: "complete", sizeBytes: 8 * mb, progress: null });
    expect(row("b9").textContent).toContain("Complete");
    expect(row("b9").querySelector("progress")).toBeNull();
    expect(rows()).toHaveLength(2);
    expect(button.disabled).toBe(false);
    expect(calls.map((c) => c.key)).toEqual([
      "GET /api/employees/e1/backups",
      "POST /api/employees/e1/backups",
    ]);
  });

  it("keeps the focused Restore button in place while frames update its backup", async () => {
    const { send } = mount({ routes: { "GET /api/employees/e1/backups": list([backup()]) } });
    await waitFor(() => expect(rows()).toHaveLength(1));
    const restore = within(row("b1")).getByRole("button");
    restore.focus();
    send(backup({ progress: { phase: "downloading", bytesDone: 1, bytesTotal: 10 } }));
    expect(row("b1").querySelector("progress")).not.toBeNull();
    expect(document.activeElement).toBe(restore);
  });
});

describe("live frames and the list's answer", () => {
  it("never takes a backup back to pending: an ended one stays ended", () => {
    const done = backup({ status: "complete" });
    const late = backup({
      status: "pending",
      progress: { phase: "uploading", bytesDone: 1, bytesTotal: 2 },
    });
    expect(mergeBackup(done, late)).toBe(done);
    expect(mergeBackup(late, done)).toBe(done);
    expect(mergeBackup(undefined, late)).toBe(late);
  });

  it("keeps a frame that overtook the list's answer, and fetches again after a reconnect", async () => {
    let answer: (r: Response) => void = () => {};
    let asked = 0;
    const client = createApiClient({
      fetch: () => {
        asked++;
        return new Promise<Response>((resolve) => {
          answer = resolve;
        });
      },
    });
    const { send, reconnect } = mount({ client });
    const stale = backup({ id: "b2", status: "pending", completedAt: null });
    send(backup({ id: "b2", status: "complete" }));
    answer(new Response(JSON.stringify({ backups: [stale, backup()] }), { status: 200 }));
    await waitFor(() => expect(rows()).toHaveLength(2));
    expect(row("b2").dataset.status).toBe("complete");
    expect(asked).toBe(1);
    reconnect();
    expect(asked).toBe(2);
    // Retention removed one meanwhile: the new answer is the whole list.
    answer(new Response(JSON.stringify({ backups: [backup({ id: "b2" })] }), { status: 200 }));
    await waitFor(() => expect(rows()).toHaveLength(1));
  });

  it("reach the Backups tab over the workspace's one live socket", () => {
    class FakeSocket {
      static last: FakeSocket | undefined;
      onopen: (() => void) | null = null;
      onmessage: ((e: { data: string }) => void) | null = null;
      onclose: (() => void) | null = null;
      constructor() {
        FakeSocket.last = this;
      }
      send() {}
      close() {}
    }
    vi.stubGlobal("WebSocket", FakeSocket);
    const got: string[] = [];
    render(() => {
      const live = createLiveEmployee("e1", employee);
      live.backups.listen((f) => got.push(`${f.employeeId}/${f.backup.id}/${f.backup.status}`));
      return null;
    });
    FakeSocket.last?.onopen?.();
    FakeSocket.last?.onmessage?.({
      data: liveFrame({ type: "backup", employeeId: "e1", backup: backup() }),
    });
    expect(got).toEqual(["e1/b1/complete"]);
  });
});
