import { describe, expect, it, vi } from "vitest";
import { de } from "../src/i18n/de.ts";
import { en as common } from "../src/i18n/en.ts";
import { enApprovals } from "../src/i18n/en-approvals.ts";
import { enBackups } from "../src/i18n/en-backups.ts";
import { enChannels } from "../src/i18n/en-channels.ts";
import { enWork } from "../src/i18n/en-work.ts";
import { enWorkspace } from "../src/i18n/en-workspace.ts";
import { langFromCookie, translate } from "../src/i18n/i18n.tsx";

// English is the common texts, the workspace's, the Backups tab's, the Channels tab's, the approvals
// inbox's and scheduled work's, kept apart only for the pages' sizes.
const en = { ...common, ...enWorkspace, ...enBackups, ...enChannels, ...enApprovals, ...enWork };

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe("translations", () => {
  it("has every English string in German, non-empty and with the same placeholders", () => {
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      expect(de[key], key).toBeTruthy();
      expect(placeholders(de[key]), key).toEqual(placeholders(en[key]));
    }
    expect(Object.keys(de).sort()).toEqual(Object.keys(en).sort());
  });

  // A German text equal to its English one is almost always one nobody translated; these are the
  // words German shares (or a name).
  it("leaves nothing untranslated: no German text is its English one, but for shared words", () => {
    const same = new Set([
      "nav.dashboard",
      "footer.rights",
      "onboarding.name",
      "workspace.chat",
      "workspace.browser",
      "teamRole.admin",
      "audit.who",
      "audit.system",
      "audit.target.member",
      "audit.target.export",
      "knowledge.fileError",
      "launch.seconds",
      "launch.minutes",
      "channel.kind.telegram",
      "channel.kind.slack",
      "channel.kind.whatsapp",
      "chat.channel.with",
      "cron.inZone",
      "hours.summary",
      "work.col.tokens",
      "work.kind.chat",
      "work.kind.heartbeat",
    ]);
    const untranslated = (Object.keys(en) as (keyof typeof en)[]).filter(
      (key) => de[key] === en[key] && !same.has(key),
    );
    expect(untranslated).toEqual([]);
  });

  it("fills placeholders and picks the language from the cookie", () => {
    expect(translate("de", "onboarding.step", { n: 2, total: 5 })).toBe("Schritt 2 von 5");
    expect(langFromCookie("a=b; iw_lang=de")).toBe("de");
    expect(langFromCookie("iw_lang=xx")).toBe("en");
    expect(langFromCookie(undefined)).toBe("en");
  });
});

describe("teams in words", () => {
  it("says every audit action and team role of the contract in both languages", async () => {
    const { AUDIT_ACTIONS } = await import("../../edge/contract/audit.ts");
    const { TEAM_ROLES } = await import("../../edge/contract/team.ts");
    const { actionKey } = await import("../src/lib/audit-text.ts");
    for (const action of AUDIT_ACTIONS) {
      const key = actionKey(action);
      expect(key, action).not.toBeNull();
      if (key) expect([en[key], de[key]].every(Boolean), action).toBe(true);
    }
    for (const role of TEAM_ROLES) {
      expect(en[`teamRole.${role}`]).toBeTruthy();
      expect(de[`teamRole.${role}`]).toBeTruthy();
    }
    expect(actionKey("something.new")).toBeNull();
  });
});

describe("languages in the browser", () => {
  it("ships English and fetches another language's text only when asked, before rendering", async () => {
    vi.resetModules();
    const fresh = await import("../src/i18n/i18n.tsx");
    // Not loaded yet: English rather than a missing text.
    expect(fresh.translate("de", "nav.account")).toBe("Account");
    await fresh.loadDictionary("de");
    expect(fresh.translate("de", "nav.account")).toBe("Konto");
    expect(fresh.translate("en", "nav.account")).toBe("Account");
  });
});

describe("plurals", () => {
  it("uses each language's plural rules", async () => {
    const { translatePlural } = await import("../src/i18n/i18n.tsx");
    expect(translatePlural("en", "pricing.employees", 1)).toBe("1 employee");
    expect(translatePlural("en", "pricing.employees", 3)).toBe("3 employees");
    expect(translatePlural("de", "account.trialLeft", 1)).toBe("Noch 1 Tag Testzeitraum");
    expect(translatePlural("de", "account.trialLeft", 6)).toBe("Noch 6 Tage Testzeitraum");
  });
});

describe("catalogue in German", () => {
  it("has German text for every role, skill, tone, plan, plan feature and lifecycle step", async () => {
    const { roles, skills, tones } = await import("../../templates/catalogue.ts");
    const { plans } = await import("../../edge/billing/plans.ts");
    const { STEP_IDS } = await import("../../edge/contract/steps.ts");
    const { germanTextIds } = await import("../src/i18n/catalogue-text.ts");
    const have = new Set(germanTextIds());
    const need = [
      ...roles.map((r) => `role.${r.id}`),
      ...skills.map((s) => `skill.${s.id}`),
      ...tones.map((t) => `tone.${t.id}`),
      ...plans.map((p) => `plan.${p.id}`),
      ...plans.flatMap((p) => p.includes.map((i) => `include.${i}`)),
      ...STEP_IDS.map((s) => `step.${s}`),
    ];
    expect(need.filter((k) => !have.has(k))).toEqual([]);
  });
});

describe("the workspace's texts", () => {
  it("are out of the common English dictionary, and arrive with the pieces that say them", async () => {
    for (const key of Object.keys(enWorkspace)) expect(common).not.toHaveProperty(key);
    expect(Object.keys(enWorkspace).length).toBeGreaterThan(50);
    vi.resetModules();
    const fresh = await import("../src/i18n/i18n.tsx");
    expect(fresh.translate("en", "chat.send")).toBe("chat.send");
    await import("../src/i18n/workspace-texts.ts");
    expect(fresh.translate("en", "chat.send")).toBe("Send");
  });
});

describe("the Backups tab's texts", () => {
  it("are out of the common and workspace dictionaries, and arrive with the tab", async () => {
    for (const key of Object.keys(enBackups)) {
      expect(common).not.toHaveProperty(key);
      expect(enWorkspace).not.toHaveProperty(key);
    }
    vi.resetModules();
    const fresh = await import("../src/i18n/i18n.tsx");
    expect(fresh.translate("en", "backups.now")).toBe("backups.now");
    await import("../src/i18n/backups-texts.ts");
    expect(fresh.translate("en", "backups.now")).toBe("Back up now");
  });
});
