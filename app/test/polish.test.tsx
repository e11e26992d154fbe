import { MetaProvider } from "@solidjs/meta";
import { Router } from "@solidjs/router";
import { cleanup, fireEvent, render, screen, waitFor } from "@solidjs/testing-library";
import type { JSX } from "solid-js";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Catalogue } from "../../edge/contract/catalogue.ts";
import type { Employee } from "../../edge/contract/employee.ts";
import type { TeamRole } from "../../edge/contract/team.ts";
import { EmployeeActions } from "../src/components/employee-actions.tsx";
import { StatusBadge } from "../src/components/status-badge.tsx";
import { I18nProvider, type Lang } from "../src/i18n/i18n.tsx";
import { ApiProvider } from "../src/lib/api-context.tsx";
import { formatSize } from "../src/lib/format.ts";
import NotFound from "../src/routes/[...404].tsx";
import SwitchLanguage from "../src/routes/lang/[code].tsx";
import { ONBOARDING_KEY, STEPS, Wizard } from "../src/routes/onboarding.tsx";
import { RESEND_COOLDOWN_S, ResendLink } from "../src/routes/sign-in/check-email.tsx";
import { fail, fakeApi, type Reply } from "./fake-api.ts";

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
  vi.useRealTimers();
});

function withApi(
  routes: Record<string, Reply | ((body: unknown) => Reply)>,
  ui: () => JSX.Element,
  lang: Lang = "en",
) {
  const fake = fakeApi(routes);
  render(() => (
    <I18nProvider lang={lang}>
      <ApiProvider client={fake.client}>{ui()}</ApiProvider>
    </I18nProvider>
  ));
  return fake;
}

const catalogue: Catalogue = {
  plans: [],
  roles: [
    { id: "assistant", name: "Assistant", description: "", defaultSkills: ["calendar"] },
    { id: "researcher", name: "Researcher", description: "", defaultSkills: [] },
  ],
  skills: [
    { id: "calendar", name: "Calendar", description: "" },
    { id: "seo", name: "SEO", description: "" },
  ],
  tones: [{ id: "friendly", name: "Friendly", description: "" }],
  steps: [],
} as unknown as Catalogue;

const atStep = (step: (typeof STEPS)[number], name = "") =>
  localStorage.setItem(
    ONBOARDING_KEY,
    JSON.stringify({
      step: STEPS.indexOf(step),
      role: "assistant",
      skills: [],
      name,
      tone: "friendly",
    }),
  );
// The wizard's bar: its buttons in order, with their text and whether they are on.
const bar = () =>
  [...document.querySelectorAll<HTMLButtonElement>(".wizard-actions button")].map((b) => [
    b.textContent,
    !b.disabled,
  ]);

describe("the onboarding wizard", () => {
  beforeEach(() => localStorage.clear());

  it("starts with a choice (no page that only informs), its chosen cards marked", async () => {
    withApi({}, () => <Wizard catalogue={catalogue} />);
    expect(await screen.findByText(`Step 1 of ${STEPS.length}`)).toBeTruthy();
    expect(STEPS).not.toContain("plan");
    const chosen = screen.getByRole("radio", { name: /Assistant/ });
    const other = screen.getByRole("radio", { name: /Researcher/ });
    expect((chosen as HTMLInputElement).checked).toBe(true);
    expect(chosen.closest("label")?.classList.contains("chosen")).toBe(true);
    expect(chosen.closest("label")?.querySelector(".chosen-mark")).not.toBeNull();
    expect(other.closest("label")?.classList.contains("chosen")).toBe(false);
    expect(other.closest("label")?.querySelector(".chosen-mark")).toBeNull();
    fireEvent.click(other);
    expect(other.closest("label")?.querySelector(".chosen-mark")).not.toBeNull();
    expect(chosen.closest("label")?.querySelector(".chosen-mark")).toBeNull();
    // Choosing a role brings its default skills (none for this one), checked and marked alike.
    const calendar = screen.getByRole("checkbox", { name: /Calendar/ }) as HTMLInputElement;
    expect(calendar.checked).toBe(false);
    expect(calendar.closest("label")?.querySelector(".chosen-mark")).toBeNull();
    fireEvent.click(calendar);
    expect(calendar.closest("label")?.querySelector(".chosen-mark")).not.toBeNull();
    // Back keeps its place on the first step, off (and hidden by CSS).
    expect(bar()).toEqual([
      ["Back", false],
      ["Next", true],
    ]);
  });

  it("says why Next is off, and clears that once a name is given", async () => {
    atStep("identity");
    withApi({}, () => <Wizard catalogue={catalogue} />);
    const next = await screen.findByRole("button", { name: "Next" });
    expect((next as HTMLButtonElement).disabled).toBe(true);
    const why = document.getElementById(next.getAttribute("aria-describedby") ?? "");
    expect(why?.textContent).toBe("Give your employee a name to continue.");
    expect(screen.getByLabelText("Name").getAttribute("aria-describedby")).toBe(why?.id);
    fireEvent.input(screen.getByLabelText("Name"), { target: { value: "\u200b" } });
    expect(why?.textContent).toMatch(/visible letters, at most 40/);
    fireEvent.input(screen.getByLabelText("Name"), { target: { value: "Ada" } });
    expect((next as HTMLButtonElement).disabled).toBe(false);
    expect(next.getAttribute("aria-describedby")).toBeNull();
    expect(why?.textContent).toBe("");
  });

  it("keeps Back and the step's button (Launch last) in the same bar on every step", async () => {
    atStep("skills", "Ada");
    withApi({ "GET /api/knowledge": { status: 200, body: { files: [] } } }, () => (
      <Wizard catalogue={catalogue} />
    ));
    await screen.findByText(`Step 1 of ${STEPS.length}`);
    const seen: unknown[] = [];
    for (let i = 0; i < STEPS.length; i++) {
      seen.push(bar());
      const primary = document.querySelector<HTMLButtonElement>(".wizard-actions .primary");
      if (i < STEPS.length - 1) primary?.click();
    }
    expect(seen).toEqual([
      [
        ["Back", false],
        ["Next", true],
      ],
      [
        ["Back", true],
        ["Next", true],
      ],
      [
        ["Back", true],
        ["Continue", true],
      ],
      [
        ["Back", true],
        ["Launch Ada", true],
      ],
    ]);
    // The trial, once its own step, is said where it starts.
    expect(screen.getByText(/free 7-day trial/)).toBeTruthy();
  });

  it("resumes a v1 wizard at the same step, now one earlier", async () => {
    localStorage.setItem("iw-onboarding-v1", JSON.stringify({ step: 2, name: "Ada" }));
    withApi({}, () => <Wizard catalogue={catalogue} />);
    expect(await screen.findByLabelText("Name")).toBeTruthy();
    expect(localStorage.getItem("iw-onboarding-v1")).toBeNull();
  });

  it("uploads files as soon as they are chosen, holds Continue meanwhile, and names a failed file", async () => {
    atStep("educate", "Ada");
    let n = 0;
    const fake = withApi(
      {
        "GET /api/knowledge": { status: 200, body: { files: [] } },
        // The second file is refused; from the third on, the edge takes its time.
        "POST /api/knowledge": () => {
          n += 1;
          return n === 2 ? fail(413, "file_too_large") : n > 2 ? "pending" : stored("ok.pdf");
        },
      },
      () => <Wizard catalogue={catalogue} />,
    );
    const input = (await screen.findByLabelText("Add files")) as HTMLInputElement;
    expect(screen.queryByRole("button", { name: "Upload" })).toBeNull();
    const next = screen.getByRole("button", { name: "Continue" }) as HTMLButtonElement;
    choose(input, [file("ok.pdf"), file("huge.pdf")]);
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toBe("huge.pdf: A file is larger than 10 MB.");
    expect(fake.calls.filter((c) => c.key === "POST /api/knowledge")).toHaveLength(2);
    await waitFor(() => expect(next.disabled).toBe(false));
    // A new choice clears the old errors; while it uploads, Continue says why it waits.
    choose(input, [file("slow.pdf")]);
    await waitFor(() => expect(screen.queryByRole("alert")).toBeNull());
    expect(next.disabled).toBe(true);
    expect(next.getAttribute("aria-describedby")).toBe("wizard-why");
    expect(document.getElementById("wizard-why")?.textContent).toBe(
      "Continue once the files are uploaded.",
    );
    expect(screen.getByText("Uploading slow.pdf…")).toBeTruthy();
  });
});

function file(name: string): File {
  return new File(["x"], name, { type: "application/pdf" });
}

function stored(name: string): Reply {
  return {
    status: 201,
    body: {
      files: [
        {
          id: name,
          name,
          size: 1,
          contentType: "application/pdf",
          scope: "team",
          createdAt: "2026-01-01T00:00:00Z",
        },
      ],
    },
  };
}

function choose(input: HTMLInputElement, files: File[]) {
  Object.defineProperty(input, "files", { value: files, configurable: true });
  fireEvent.change(input);
}

describe("Restart and Stop", () => {
  const owner: TeamRole = "owner";
  const admin: TeamRole = "admin";
  const running: Employee = {
    id: "e1",
    name: "Ada",
    role: "assistant",
    tone: "friendly",
    skills: [],
    status: "running",
    statusReason: null,
    step: null,
    node: "n1",
    createdAt: "2026-01-01T00:00:00Z",
    updatedAt: "2026-01-01T00:00:00Z",
  };
  const answer = (status: Employee["status"]): Reply => ({
    status: 200,
    body: { employee: { ...running, status } },
  });
  const buttons = () =>
    screen.getAllByRole("button").map((b) => [b.textContent, !(b as HTMLButtonElement).disabled]);

  it.each([
    ["Restart", "restart", /interrupted/],
    ["Stop", "stop", /does no work until you start it again/],
  ] as const)("%s asks first, and acts only on the confirmation", async (label, action, text) => {
    const changed = vi.fn();
    const fake = withApi({ [`POST /api/employees/e1/${action}`]: answer("stopping") }, () => (
      <EmployeeActions employee={running} role={owner} onChange={changed} onFired={() => {}} />
    ));
    fireEvent.click(screen.getByRole("button", { name: label }));
    const dialog = screen.getByRole("dialog");
    expect(dialog.textContent).toMatch(text);
    expect(dialog.textContent).toContain("Ada");
    fireEvent.click(screen.getByRole("button", { name: "Cancel" }));
    expect(screen.queryByRole("dialog")).toBeNull();
    expect(fake.calls).toEqual([]);
    fireEvent.click(screen.getByRole("button", { name: label }));
    const inDialog = [...screen.getByRole("dialog").querySelectorAll("button")];
    inDialog.find((b) => b.textContent === label)?.click();
    await waitFor(() => expect(changed).toHaveBeenCalledOnce());
    expect(fake.calls.map((c) => c.key)).toEqual([`POST /api/employees/e1/${action}`]);
    await waitFor(() => expect(screen.queryByRole("dialog")).toBeNull());
  });

  it("keep three buttons in the same places whatever the status, the ones not allowed off", () => {
    const rows: unknown[] = [];
    for (const status of ["running", "restarting", "stopped", "provisioning"] as const) {
      withApi({}, () => (
        <EmployeeActions
          employee={{ ...running, status }}
          role={admin}
          onChange={() => {}}
          onFired={() => {}}
        />
      ));
      rows.push(buttons());
      cleanup();
    }
    expect(rows).toEqual([
      [
        ["Restart", true],
        ["Stop", true],
        ["Fire", true],
      ],
      [
        ["Restart", false],
        ["Stop", true],
        ["Fire", true],
      ],
      [
        ["Start", true],
        ["Stop", false],
        ["Fire", true],
      ],
      [
        ["Restart", false],
        ["Stop", true],
        ["Fire", true],
      ],
    ]);
  });
});

describe("the status badge", () => {
  it.each([
    ["en", "restarting", "Restarting"],
    ["en", "stopping", "Stopping"],
    ["de", "restarting", "Startet neu"],
  ] as const)("says %s %s once", (lang, status, text) => {
    render(() => (
      <I18nProvider lang={lang}>
        <StatusBadge status={status} step={status} />
      </I18nProvider>
    ));
    expect(screen.getByRole("status").textContent).toBe(text);
  });
});

describe("resending the sign-in link", () => {
  it("asks the edge again, says so, and waits before the next one, the seconds shown", async () => {
    vi.useFakeTimers({ toFake: ["setInterval", "clearInterval"] });
    const fake = withApi({ "POST /api/auth/magic-link": { status: 202, body: {} } }, () => (
      <ResendLink email="ada@example.com" />
    ));
    fireEvent.click(screen.getByRole("button", { name: "Resend the link" }));
    expect(await screen.findByText("We sent a new link to ada@example.com.")).toBeTruthy();
    expect(fake.calls).toEqual([
      { key: "POST /api/auth/magic-link", query: "", body: { email: "ada@example.com" } },
    ]);
    const button = screen.getByRole("button") as HTMLButtonElement;
    expect(button.textContent).toBe(`Resend the link in ${RESEND_COOLDOWN_S} s`);
    expect(button.disabled).toBe(true);
    vi.advanceTimersByTime(10_000);
    expect(button.textContent).toBe(`Resend the link in ${RESEND_COOLDOWN_S - 10} s`);
    vi.advanceTimersByTime(RESEND_COOLDOWN_S * 1000);
    expect(button.textContent).toBe("Resend the link");
    expect(button.disabled).toBe(false);
  });

  it("says a refusal in words and lets the person try again", async () => {
    withApi({ "POST /api/auth/magic-link": fail(429, "rate_limited") }, () => (
      <ResendLink email="ada@example.com" />
    ));
    fireEvent.click(screen.getByRole("button", { name: "Resend the link" }));
    expect((await screen.findByRole("alert")).textContent).toMatch(/Too many|try again/i);
    expect((screen.getByRole("button") as HTMLButtonElement).disabled).toBe(false);
  });
});

describe("switching language on a page that has loaded", () => {
  // The router takes over every same-origin link, the header's language links too: /lang/de must
  // be a page (that asks the server for the switch), not the 404 it used to render.
  it("lands on the switch page, which asks the server, instead of Page not found", async () => {
    const replace = vi.spyOn(window.location, "replace").mockImplementation(() => {});
    render(() => (
      <MetaProvider>
        <Router>
          {[
            { path: "/", component: () => <a href="/lang/de?back=%2Fpricing">DE</a> },
            { path: "/lang/:code", component: SwitchLanguage },
            { path: "*404", component: NotFound },
          ]}
        </Router>
      </MetaProvider>
    ));
    fireEvent.click(await screen.findByRole("link", { name: "DE" }));
    expect(await screen.findByText("Switching the language…")).toBeTruthy();
    expect(window.location.pathname).toBe("/lang/de");
    expect(replace).toHaveBeenCalledWith("/lang/de?back=%2Fpricing");
    expect(screen.queryByText("Page not found")).toBeNull();
  });

  it("says Page not found in the visitor's language", async () => {
    render(() => (
      <I18nProvider lang="de">
        <MetaProvider>
          <Router>{[{ path: "*404", component: NotFound }]}</Router>
        </MetaProvider>
      </I18nProvider>
    ));
    expect((await screen.findByRole("heading", { level: 1 })).textContent).toBe(
      "Seite nicht gefunden",
    );
    expect(screen.getByRole("link", { name: "Zurück zur Startseite" })).toBeTruthy();
  });
});

describe("sizes", () => {
  it("are written as the visitor's language writes numbers", () => {
    expect(formatSize(1.5 * 1024 * 1024, "en")).toBe("1.5 MB");
    expect(formatSize(1.5 * 1024 * 1024, "de")).toBe("1,5 MB");
    expect(formatSize(2048, "de")).toBe("2 KB");
    expect(formatSize(12, "de")).toBe("12 B");
  });
});
