import { beforeEach, describe, expect, it } from "vitest";
import { mailLanguageOf } from "../../contract/launch.ts";
import { readyMail } from "../../mail/ready-mail.ts";
import { type Entropy, type LifecycleInput, transition } from "../../objects/employee-lifecycle.ts";
import { type EmployeeRecord, toView } from "../../objects/employee-record.ts";
import { type StepTiming, trackLaunch } from "../../objects/launch-progress.ts";
import {
  DEFAULT_EXPECTED_MS,
  expectedFrom,
  LAUNCH_HISTORY_SIZE,
  median,
} from "../../objects/launch-view.ts";

// The launch's checklist as the EmployeeDO keeps it: each transition of the lifecycle, then
// trackLaunch over the record before and after, at a clock the test moves.

const T0 = Date.UTC(2026, 0, 1);
let clock = T0;
let ids = 0;
const entropy: Entropy = { id: () => `cmd-${++ids}`, jitter: () => 1 };

beforeEach(() => {
  clock = T0;
  ids = 0;
});

interface Run {
  record: EmployeeRecord;
  finished: StepTiming[];
  notified: { userId: string; lang: string }[];
  started: number;
}

// Applies an input as the object does: the lifecycle's transition, then the launch's tracking.
function drive(run: Run, input: LifecycleInput, afterMs = 0): Run {
  clock += afterMs;
  const next = transition(run.record, input, clock, entropy).record;
  if (!next) throw new Error("expected a record");
  const t = trackLaunch(run.record, next, clock);
  return {
    record: t.record,
    finished: [...run.finished, ...t.finished],
    notified: t.notify ? [...run.notified, t.notify] : run.notified,
    started: run.started + (t.started ? 1 : 0),
  };
}

function hired(notify = true): Run {
  const employee = {
    id: "e1",
    accountId: "a1",
    name: "Lin",
    role: "executive-assistant",
    tone: "friendly",
    skills: [],
    ...(notify ? { notifyWhenReady: { userId: "u1", lang: "de" as const } } : {}),
  };
  const t = transition(undefined, { type: "create", employee }, clock, entropy);
  if (!t.record) throw new Error("expected a record");
  const tracked = trackLaunch(undefined, t.record, clock);
  return { record: tracked.record, finished: [], notified: [], started: tracked.started ? 1 : 0 };
}

const ok = (r: EmployeeRecord): LifecycleInput => ({
  type: "command_result",
  nodeId: "n1",
  result: { id: r.op?.commandId ?? "", ok: true },
});
const event = (type: "container.created" | "container.started"): LifecycleInput => ({
  type: "event",
  nodeId: "n1",
  event: { type, employeeId: "e1", containerId: "c1" },
});
const statuses = (r: EmployeeRecord) =>
  toView(r).launch?.steps.map((s) => `${s.id}:${s.status}`) ?? null;

// Hired with no server free (third in line), placed 40 s later, then the node's three reports.
function launched(): Run {
  let run = hired();
  run = drive(run, { type: "placed", employeeId: "e1", nodeId: null, queuePosition: 3 }, 500);
  run = drive(run, { type: "placed", employeeId: "e1", nodeId: "n1" }, 40_000);
  run = drive(run, event("container.created"), 2_000);
  run = drive(run, event("container.started"), 3_000);
  return drive(run, ok(run.record), 25_000);
}

describe("a launch's checklist", () => {
  it("shows the steps to come, with the defaults before anything was measured", () => {
    const run = hired();
    expect(run.started).toBe(1);
    const launch = toView(run.record).launch;
    expect(launch?.startedAt).toBe(new Date(T0).toISOString());
    expect(launch?.steps).toEqual([
      {
        id: "finding_server",
        status: "active",
        startedAt: new Date(T0).toISOString(),
        endedAt: null,
        expectedMs: DEFAULT_EXPECTED_MS.finding_server,
      },
      ...(["preparing_workspace", "starting_container", "waiting_until_ready"] as const).map(
        (id) => ({
          id,
          status: "pending",
          startedAt: null,
          endedAt: null,
          expectedMs: DEFAULT_EXPECTED_MS[id],
        }),
      ),
    ]);
    expect(launch?.queuePosition).toBeNull();
    expect(launch?.readyEmail).toBe(true);
  });

  it("shows the wait for a server, with the place in the queue, only while waiting", () => {
    let run = hired();
    run = drive(run, { type: "placed", employeeId: "e1", nodeId: null, queuePosition: 3 }, 500);
    expect(statuses(run.record)).toEqual([
      "finding_server:done",
      "waiting_for_server:active",
      "preparing_workspace:pending",
      "starting_container:pending",
      "waiting_until_ready:pending",
    ]);
    expect(toView(run.record).launch?.queuePosition).toBe(3);
    // Looking again finds it second: the same step, a new place.
    run = drive(run, { type: "placed", employeeId: "e1", nodeId: null, queuePosition: 2 }, 5_000);
    expect(toView(run.record).launch?.queuePosition).toBe(2);
    expect(toView(run.record).launch?.steps.filter((s) => s.status === "active")).toHaveLength(1);
    run = drive(run, { type: "placed", employeeId: "e1", nodeId: "n1" }, 1_000);
    expect(statuses(run.record)?.slice(0, 3)).toEqual([
      "finding_server:done",
      "waiting_for_server:done",
      "preparing_workspace:active",
    ]);
    expect(toView(run.record).launch?.queuePosition).toBeNull();
  });

  it("measures each step that led on, and ends when the employee runs", () => {
    const run = launched();
    expect(run.finished.map((f) => [f.step, f.durationMs])).toEqual([
      ["finding_server", 500],
      ["waiting_for_server", 40_000],
      ["preparing_workspace", 2_000],
      ["starting_container", 3_000],
      ["waiting_until_ready", 25_000],
    ]);
    expect(run.finished.at(-1)?.nodeId).toBe("n1");
    expect(run.record.status).toBe("running");
    expect(toView(run.record).launch).toBeUndefined();
  });

  it("tells whoever hired it once, when it first runs: not on a restart, nor on a later start", () => {
    let run = launched();
    expect(run.notified).toEqual([{ userId: "u1", lang: "de" }]);
    expect(run.record.notifyWhenReady).toBeNull();
    // A restart is no launch.
    run = drive(run, { type: "restart" }, 1_000);
    expect(toView(run.record).launch).toBeUndefined();
    run = drive(run, ok(run.record), 1_000);
    // Stopped and started again: a launch with its checklist, but no second email.
    run = drive(run, { type: "stop_after_revoke" }, 1_000);
    run = drive(run, ok(run.record), 1_000);
    expect(run.record.status).toBe("stopped");
    run = drive(run, { type: "provision" }, 1_000);
    expect(run.started).toBe(2);
    expect(toView(run.record).launch?.readyEmail).toBe(false);
    expect(statuses(run.record)).toEqual([
      "preparing_workspace:active",
      "starting_container:pending",
      "waiting_until_ready:pending",
    ]);
    run = drive(run, ok(run.record), 9_000);
    expect(run.record.status).toBe("running");
    expect(run.notified).toHaveLength(1);
  });

  it("tells no one of an employee hired before the email existed", () => {
    let run = hired(false);
    run = drive(run, { type: "placed", employeeId: "e1", nodeId: "n1" }, 100);
    run = drive(run, ok(run.record), 100);
    expect(run.record.status).toBe("running");
    expect(run.notified).toEqual([]);
  });

  it("keeps a failed launch on show with the step it failed at, unmeasured, until the next", () => {
    let run = hired();
    run = drive(run, { type: "placed", employeeId: "e1", nodeId: "n1" }, 100);
    run = drive(
      run,
      {
        type: "command_result",
        nodeId: "n1",
        result: {
          id: run.record.op?.commandId ?? "",
          ok: false,
          error: { code: "image_missing", message: "no image", retryable: false },
        },
      },
      4_000,
    );
    expect(run.record.status).toBe("error");
    expect(statuses(run.record)).toEqual([
      "finding_server:done",
      "preparing_workspace:failed",
      "starting_container:pending",
      "waiting_until_ready:pending",
    ]);
    expect(run.finished.map((f) => f.step)).toEqual(["finding_server"]);
    run = drive(run, { type: "provision" }, 1_000);
    expect(run.started).toBe(2);
    expect(statuses(run.record)?.[0]).toBe("preparing_workspace:active");
    expect(run.notified).toEqual([]);
  });

  it("shows no launch once it is stopped while waiting", () => {
    let run = hired();
    run = drive(run, { type: "placed", employeeId: "e1", nodeId: null, queuePosition: 1 }, 100);
    run = drive(run, { type: "stop_after_revoke" }, 100);
    expect(run.record.status).toBe("stopped");
    expect(toView(run.record).launch).toBeUndefined();
    expect(run.finished.map((f) => f.step)).toEqual(["finding_server"]);
  });
});

describe("expected step times", () => {
  it("are the median of the history, unmoved by one slow launch, or the default before any", () => {
    expect(median([])).toBeNull();
    expect(median([7])).toBe(7);
    expect(median([30, 10, 20])).toBe(20);
    expect(median([10, 20, 30, 40])).toBe(25);
    const expected = expectedFrom({
      waiting_until_ready: [20_000, 22_000, 21_000, 600_000, 19_000],
      preparing_workspace: [3_000, 5_000],
    });
    expect(expected.waiting_until_ready).toBe(21_000);
    expect(expected.preparing_workspace).toBe(4_000);
    expect(expected.finding_server).toBe(DEFAULT_EXPECTED_MS.finding_server);
    expect(LAUNCH_HISTORY_SIZE).toBeGreaterThan(4);
  });

  it("are shown with each step once the launch learned them", () => {
    const run = hired();
    const record = {
      ...run.record,
      launch: run.record.launch && { ...run.record.launch, expectedMs: { finding_server: 1234 } },
    };
    expect(toView(record).launch?.steps[0]?.expectedMs).toBe(1234);
    expect(toView(record).launch?.steps[1]?.expectedMs).toBe(
      DEFAULT_EXPECTED_MS.preparing_workspace,
    );
  });
});

describe("the ready email's language and text", () => {
  it("reads the app's language from the cookie, English for anything else", () => {
    expect(mailLanguageOf("a=1; iw_lang=de")).toBe("de");
    expect(mailLanguageOf("iw_lang=en")).toBe("en");
    for (const cookie of [null, "", "iw_lang=xx", "iw_lang=dex", "x_iw_lang=de", "iw_lang=DE"])
      expect(mailLanguageOf(cookie)).toBe("en");
  });

  it("keeps a customer's name to one line in the subject and escaped in the HTML", () => {
    const mail = readyMail({
      to: "a@example.com",
      name: 'Ev<a>\n"Bcc: x@example.com',
      link: "http://localhost:8787/employees/e1",
      lang: "de",
    });
    expect(mail.subject).toBe('Ev<a> "Bcc: x@example.com ist bereit');
    expect(mail.html).toContain("Ev&lt;a&gt;");
    expect(mail.html).not.toContain("<a>");
    expect(mail.text).toContain("Arbeitsplatz öffnen:\n\nhttp://localhost:8787/employees/e1");
  });
});
