import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { roles, skills, tones } from "../../templates/catalogue.ts";
import { renderWorkspace, TemplateError } from "../../templates/render-workspace.ts";

const dir = path.resolve(import.meta.dirname, "../../templates");
const read = (p: string) => readFileSync(path.join(dir, p), "utf8");

describe("employee templates", () => {
  it("has SOUL.md, IDENTITY.md and AGENTS.md for every role of the catalogue", () => {
    for (const role of roles) {
      for (const file of ["SOUL.md", "IDENTITY.md", "AGENTS.md"]) {
        expect(existsSync(path.join(dir, "roles", role.id, file)), `${role.id}/${file}`).toBe(true);
      }
    }
  });

  it("has a SKILL.md with valid front matter (name = id, a description) for every skill", () => {
    for (const skill of skills) {
      const text = read(`skills/${skill.id}/SKILL.md`);
      const front = /^---\nname: (.+)\ndescription: (.+)\n---\n/.exec(text);
      expect(front, skill.id).not.toBeNull();
      expect(front?.[1]).toBe(skill.id);
      expect(front?.[2]?.length).toBeGreaterThan(10);
    }
  });

  it("renders every role and tone with all placeholders filled, and only the chosen skills", () => {
    for (const role of roles) {
      for (const tone of tones) {
        const files = renderWorkspace(
          {
            name: "Ada",
            role: role.id,
            tone: tone.id,
            skills: role.defaultSkills,
            customer: { name: "Acme GmbH", email: "ops@acme.example" },
          },
          read,
        );
        for (const [file, content] of files)
          expect(content, `${role.id}/${file}`).not.toMatch(/\{\{|\}\}/);
        expect(files.get("SOUL.md")).toContain("You are Ada,");
        expect(files.get("SOUL.md")).toContain(tone.description);
        expect(files.get("IDENTITY.md")).toContain("ops@acme.example");
        expect([...files.keys()].filter((f) => f.startsWith("skills/")).sort()).toEqual(
          role.defaultSkills.map((s) => `skills/${s}/SKILL.md`).sort(),
        );
      }
    }
  });

  it("keeps values to one line and refuses unknown roles, tones, skills and placeholders", () => {
    const files = renderWorkspace(
      {
        name: "Ada\n# injected {{employee.name}}",
        role: "sales",
        tone: "concise",
        skills: [],
        customer: { name: "A", email: "a@b.c" },
      },
      read,
    );
    expect(files.get("IDENTITY.md")).toContain("- Name: Ada # injected employee.name");
    const base = {
      name: "A",
      role: "sales",
      tone: "concise",
      skills: [],
      customer: { name: "A", email: "a@b.c" },
    };
    expect(() => renderWorkspace({ ...base, role: "pirate" }, read)).toThrow(TemplateError);
    expect(() => renderWorkspace({ ...base, skills: ["juggling"] }, read)).toThrow(TemplateError);
    expect(() =>
      renderWorkspace(base, (p) => (p.endsWith("SOUL.md") ? "{{employee.salary}}" : read(p))),
    ).toThrow(/unknown placeholder/);
  });
});
