import { cleanup, fireEvent, render, screen } from "@solidjs/testing-library";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Employee } from "../../edge/contract/employee.ts";
import type { Launch } from "../../edge/contract/launch.ts";
import { LaunchChecklist, LaunchSummary } from "../src/components/launch-checklist.tsx";
import { I18nProvider } from "../src/i18n/i18n.tsx";
import { createLiveEmployee } from "../src/lib/live.ts";

const T0 = Date.UTC(2026, 11, 2, 9, 0, 0);
const at = (s: number) => new Date(T0 + s * 1000).toISOString();

// Third in line for a server, eleven seconds into the launch.
const waiting: Launch = {
  startedAt: at(0),
  queuePosition: 3,
  readyEmail: true,
  steps: [
    { id: "finding_server", status: "done", startedAt: at(0), endedAt: at(1), expectedMs: 1_000 },
    {
      id: "waiting_for_server",
      status: "active",
      startedAt: at(1),
      endedAt: null,
      expectedMs: 45_000,
    },
    {
      id: "preparing_workspace",
      status: "pending",
      startedAt: null,
      endedAt: null,
      expectedMs: 4_000,
    },
    {
      id: "starting_container",
      status: "pending",
      startedAt: null,
      endedAt: null,
      expectedMs: 3_000,
    },
    {
      id: "waiting_until_ready",
      status: "pending",
      startedAt: null,
      endedAt: null,
      expectedMs: 95_000,
    },
  ],
};

const employee = (launch: Launch | undefined, over: Partial<Employee> = {}): Employee => ({
  id: "e1",
  name: "Mira",
  role: "executive-assistant",
  tone: "friendly",
  skills: [],
  status: "provisioning",
  statusReason: null,
  step: "waiting_for_server",
  node: null,
  createdAt: at(0),
  updatedAt: at(1),
  ...(launch ? { launch } : {}),
  ...over,
});

const row = (id: string) => document.querySelector(`[data-step="${id}"]`) as HTMLElement;

beforeEach(() => {
  vi.useFakeTimers({ now: T0 + 11_000 });
});
afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

describe("LaunchChecklist", () => {
  it("marks each step, ticks the active step's time, says what each usually takes and the place in line", () => {
    render(() => <LaunchChecklist employee={employee(waiting)} />);
    const items = screen.getAllByRole("listitem");
    expect(items.map((li) => li.dataset.step)).toEqual(waiting.steps.map((s) => s.id));
    expect(row("finding_server").className).toContain("launch-done");
    expect(row("finding_server").textContent).toContain("✓");
    expect(row("finding_server").textContent).toContain("1 s");
    expect(row("waiting_for_server").querySelector(".spinner")).not.toBeNull();
    expect(row("waiting_for_server").textContent).toContain("Waiting for a server with room");
    expect(row("waiting_for_server").querySelector(".launch-elapsed")?.textContent).toBe("10 s");
    expect(row("waiting_for_server").textContent).toContain("usually about 45 s");
    expect(row("waiting_for_server").textContent).toContain("number 3 in line for a server");
    expect(row("waiting_until_ready").textContent).toContain("usually about 1 min 35 s");
    expect(row("waiting_until_ready").querySelector(".launch-elapsed")).toBeNull();
    expect(row("preparing_workspace").textContent).toContain("○");
    expect(screen.getByText(/Getting Mira ready/).textContent).toContain("11 s");
    expect(
      screen.getByText("You can leave this page: we will email you when Mira is ready."),
    ).toBeTruthy();

    vi.advanceTimersByTime(5_000);
    expect(row("waiting_for_server").querySelector(".launch-elapsed")?.textContent).toBe("15 s");
    expect(screen.getByText(/Getting Mira ready/).textContent).toContain("16 s");
  });

  it("speaks German, and says next in line for the first", () => {
    render(() => (
      <I18nProvider lang="de">
        <LaunchChecklist employee={employee({ ...waiting, queuePosition: 1 })} />
      </I18nProvider>
    ));
    expect(row("waiting_for_server").textContent).toContain("als Nächstes an der Reihe");
    expect(row("waiting_for_server").textContent).toContain("dauert meist etwa 45 s");
    expect(screen.getByText(/Sie können diese Seite verlassen/).textContent).toContain("Mira");
  });

  it("shows the step that failed, its time stopped, and promises no email", () => {
    const failed: Launch = {
      ...waiting,
      queuePosition: null,
      steps: [
        { ...(waiting.steps[0] as Launch["steps"][number]) },
        {
          id: "preparing_workspace",
          status: "failed",
          startedAt: at(1),
          endedAt: at(5),
          expectedMs: 4_000,
        },
        ...waiting.steps.slice(3),
      ],
    };
    render(() => <LaunchChecklist employee={employee(failed, { status: "error", step: null })} />);
    expect(row("preparing_workspace").className).toContain("launch-failed");
    expect(row("preparing_workspace").textContent).toContain("✕");
    expect(row("preparing_workspace").textContent).toContain("4 s");
    expect(row("preparing_workspace").textContent).not.toContain("usually");
    expect(screen.getByText(/Getting Mira ready/).textContent).toContain("5 s");
    expect(screen.queryByText(/You can leave this page/)).toBeNull();
  });

  it("does not promise an email for a later start", () => {
    render(() => <LaunchChecklist employee={employee({ ...waiting, readyEmail: false })} />);
    expect(screen.queryByText(/You can leave this page/)).toBeNull();
  });
});

describe("LaunchSummary", () => {
  it("says the step, the time and the place in line in one line, only while provisioning", () => {
    render(() => <LaunchSummary employee={employee(waiting)} />);
    expect(screen.getByTestId("launch-summary").textContent).toBe(
      "Step 2 of 5 · 11 s · number 3 in line for a server",
    );
    vi.advanceTimersByTime(2_000);
    expect(screen.getByTestId("launch-summary").textContent).toContain("13 s");
    cleanup();
    render(() => <LaunchSummary employee={employee(waiting, { status: "running" })} />);
    expect(screen.queryByTestId("launch-summary")).toBeNull();
  });
});

// A WebSocket the test opens and closes by hand.
class FakeSocket {
  static all: FakeSocket[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((e: { data: string }) => void) | null = null;
  onclose: (() => void) | null = null;
  readonly url: string;
  constructor(url: string) {
    this.url = url;
    FakeSocket.all.push(this);
  }
  send() {}
  close() {
    this.onclose?.();
  }
}

describe("the live connection", () => {
  beforeEach(() => {
    FakeSocket.all = [];
    vi.stubGlobal("WebSocket", FakeSocket);
  });
  afterEach(() => vi.unstubAllGlobals());

  it("says when it dropped, retries at once on Retry, and shows what the new socket says", () => {
    render(() => {
      const live = createLiveEmployee("e1", employee(waiting));
      return (
        <LaunchChecklist
          employee={live.employee()}
          dropped={live.dropped()}
          onRetry={live.reconnect}
        />
      );
    });
    const first = FakeSocket.all[0] as FakeSocket;
    first.onopen?.();
    expect(screen.queryByRole("alert")).toBeNull();
    first.onclose?.();
    const alert = screen.getByRole("alert");
    expect(alert.textContent).toContain("The live connection was lost");
    fireEvent.click(screen.getByRole("button", { name: "Retry" }));
    // At once, not after the backoff.
    expect(FakeSocket.all).toHaveLength(2);
    const second = FakeSocket.all[1] as FakeSocket;
    second.onopen?.();
    expect(screen.queryByRole("alert")).toBeNull();
    second.onmessage?.({
      data: JSON.stringify({
        type: "status",
        employee: employee({ ...waiting, queuePosition: 2 }),
      }),
    });
    expect(row("waiting_for_server").textContent).toContain("number 2 in line");
    // The backoff's own retry was cancelled: no third socket.
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.all).toHaveLength(2);
  });
});
