import { cleanup, fireEvent, render, screen } from "@solidjs/testing-library";
import { createSignal } from "solid-js";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Catalogue } from "../../edge/contract/catalogue.ts";
import { Dialog } from "../src/components/dialog.tsx";
import { SkillPicker } from "../src/components/pickers.tsx";
import { StatusBadge } from "../src/components/status-badge.tsx";
import { I18nProvider } from "../src/i18n/i18n.tsx";

afterEach(cleanup);

describe("StatusBadge", () => {
  it("says the status in the visitor's language, with a spinner and the step while in transition", () => {
    render(() => (
      <I18nProvider lang="de">
        <StatusBadge status="provisioning" step="starting_container" />
      </I18nProvider>
    ));
    const badge = screen.getByRole("status");
    expect(badge.textContent).toContain("Startet");
    expect(badge.textContent).toContain("Container wird gestartet");
    expect(badge.querySelector(".spinner")).not.toBeNull();
  });

  it("shows no spinner when running", () => {
    render(() => <StatusBadge status="running" />);
    expect(screen.getByRole("status").textContent).toBe("Working");
    expect(screen.getByRole("status").querySelector(".spinner")).toBeNull();
  });
});

describe("Dialog", () => {
  it("focuses inside, traps Tab, closes on Escape", () => {
    const onClose = vi.fn();
    render(() => (
      <Dialog title="Hire" onClose={onClose}>
        <button type="button">first</button>
        <button type="button">last</button>
      </Dialog>
    ));
    const [first, last] = screen.getAllByRole("button");
    expect(screen.getByRole("dialog").getAttribute("aria-modal")).toBe("true");
    expect(document.activeElement).toBe(first);
    last?.focus();
    fireEvent.keyDown(document, { key: "Tab" });
    expect(document.activeElement).toBe(first);
    fireEvent.keyDown(document, { key: "Tab", shiftKey: true });
    expect(document.activeElement).toBe(last);
    fireEvent.keyDown(document, { key: "Escape" });
    expect(onClose).toHaveBeenCalledOnce();
  });
});

describe("SkillPicker", () => {
  it("adds and removes skills with real checkboxes", () => {
    const catalogue: Catalogue = {
      plans: [],
      roles: [],
      tones: [],
      steps: [],
      skills: [
        { id: "seo", name: "SEO", description: "" },
        { id: "calendar", name: "Calendar", description: "" },
      ],
    };
    const [value, setValue] = createSignal<string[]>(["seo"]);
    render(() => (
      <SkillPicker catalogue={catalogue} legend="Skills" value={value()} onChange={setValue} />
    ));
    fireEvent.click(screen.getByRole("checkbox", { name: /Calendar/ }));
    expect(value()).toEqual(["seo", "calendar"]);
    fireEvent.click(screen.getByRole("checkbox", { name: /SEO/ }));
    expect(value()).toEqual(["calendar"]);
  });
});

describe("StatusReason and API messages", () => {
  it("shows the edge's reason to English readers, and a German sentence with the details kept below", async () => {
    const { StatusReason } = await import("../src/components/status-reason.tsx");
    const reason = "Starting the employee failed: image missing. Press Start to try again.";
    render(() => <StatusReason status="error" reason={reason} />);
    expect(screen.getByRole("alert").textContent).toBe(reason);
    cleanup();
    render(() => (
      <I18nProvider lang="de">
        <StatusReason status="error" reason={reason} />
      </I18nProvider>
    ));
    const alert = screen.getByRole("alert");
    expect(alert.textContent).toContain("Drücken Sie Starten");
    expect(alert.querySelector("details summary")?.textContent).toBe("Technische Details");
    expect(alert.querySelector("details p")?.getAttribute("lang")).toBe("en");
  });

  it("translates known API error codes and falls back without showing foreign text", async () => {
    const { apiMessage } = await import("../src/lib/messages.ts");
    const { ApiFailure } = await import("../src/lib/api.ts");
    const { translate } = await import("../src/i18n/i18n.tsx");
    const de = (k: Parameters<typeof translate>[1], v?: Record<string, string | number>) =>
      translate("de", k, v);
    expect(
      apiMessage(
        new ApiFailure(402, "plan_limit_reached", "Your Trial plan includes 1 employee."),
        de,
        "de",
      ),
    ).toMatch(/Mitarbeitergrenze/);
    expect(
      apiMessage(
        new ApiFailure(500, "internal_error", "Something went wrong on our side."),
        de,
        "de",
      ),
    ).toBe(translate("de", "error.generic"));
    const en = (k: Parameters<typeof translate>[1], v?: Record<string, string | number>) =>
      translate("en", k, v);
    expect(
      apiMessage(new ApiFailure(500, "internal_error", "Quote request id 42."), en, "en"),
    ).toBe("Quote request id 42.");
  });
});
