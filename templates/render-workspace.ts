import { roles, skills, tones } from "./catalogue.ts";

// Renders an employee's OpenClaw workspace files from templates/: its role's SOUL.md,
// IDENTITY.md and AGENTS.md, the shared LEARNING-PROTOCOL.md, USER.md about the customer, and
// skills/<id>/SKILL.md for each chosen skill. Runtime-neutral: the caller supplies how a template
// file is read (the node agent reads them from disk when it provisions or settings change).
export interface WorkspaceInput {
  name: string;
  role: string;
  tone: string;
  skills: string[];
  customer: { name: string; email: string };
}

export type ReadTemplate = (path: string) => string;

export class TemplateError extends Error {}

const PLACEHOLDER = /\{\{\s*([a-z]+\.[a-z]+)\s*\}\}/g;

// Values go into Markdown: one line each, no template syntax of their own.
const clean = (v: string) =>
  v
    .replace(/[\r\n]+/g, " ")
    .replace(/\{\{|\}\}/g, "")
    .trim();

export function renderWorkspace(input: WorkspaceInput, read: ReadTemplate): Map<string, string> {
  const role = roles.find((r) => r.id === input.role);
  const tone = tones.find((t) => t.id === input.tone);
  if (!role) throw new TemplateError(`unknown role ${input.role}`);
  if (!tone) throw new TemplateError(`unknown tone ${input.tone}`);
  const chosen = input.skills.map((id) => {
    const skill = skills.find((s) => s.id === id);
    if (!skill) throw new TemplateError(`unknown skill ${id}`);
    return skill;
  });
  const vars: Record<string, string> = {
    "employee.name": clean(input.name),
    "customer.name": clean(input.customer.name),
    "customer.email": clean(input.customer.email),
    "tone.name": tone.name,
    "tone.description": tone.description,
    "skills.list": chosen.length ? chosen.map((s) => s.name).join(", ") : "none chosen yet",
  };
  const fill = (path: string) =>
    read(path).replace(PLACEHOLDER, (_, key: string) => {
      const value = vars[key];
      if (value === undefined) throw new TemplateError(`${path}: unknown placeholder {{${key}}}`);
      return value;
    });

  const files = new Map<string, string>();
  for (const file of ["SOUL.md", "IDENTITY.md", "AGENTS.md"])
    files.set(file, fill(`roles/${role.id}/${file}`));
  files.set("LEARNING-PROTOCOL.md", fill("LEARNING-PROTOCOL.md"));
  files.set(
    "USER.md",
    `# ${vars["customer.name"]}\n\n- Email: ${vars["customer.email"]}\n\n` +
      "## Files from them\n\n" +
      "- `files/`: what they gave you to learn from. Yours: read it, keep notes next to it.\n" +
      "- `team-files/`: shared with their whole team, read-only. Read it; never try to change it.\n",
  );
  for (const skill of chosen)
    files.set(`skills/${skill.id}/SKILL.md`, fill(`skills/${skill.id}/SKILL.md`));
  return files;
}
