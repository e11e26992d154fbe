import type { ChatToolStep } from "../../edge/protocol/frames.ts";
import type { RunEvent } from "./gateway-run.ts";

// What the employee did while answering, in plain words for the chat ("Read IDENTITY.md", "Ran
// a command: ls -la"), from OpenClaw's activity items. OpenClaw titles an item "<label> <detail>"
// (its tool-display table: "Read from IDENTITY.md", "Web Search for \"cats\"", "Browser
// https://example.com"; exec items "command ls -la"); the detail is what we keep, under our own
// verb. Pure: the item comes from inside the container, so everything is cut to the frame's sizes.

type ToolEvent = Extract<RunEvent, { type: "tool" }>;

/** The app's icon and wording for a step (the contract's ToolStep.kind). */
export type ToolStepKind = "command" | "browser" | "web" | "file" | "memory" | "message" | "other";

export const TOOL_STEP_SUMMARY_CHARS = 300;
const ID_CHARS = 200;

// OpenClaw's label for each tool (what its title starts with), our kind, and our wording.
interface Wording {
  label: string;
  kind: ToolStepKind;
  say: (detail: string) => string;
  /** Words OpenClaw puts before the detail that our verb already says ("from", "to"). */
  drop?: RegExp;
}

const command: Wording = {
  label: "Exec",
  kind: "command",
  say: (d) => (d ? `Ran a command: ${d}` : "Ran a command"),
};
const TOOLS: Record<string, Wording> = {
  exec: command,
  bash: { ...command, label: "Bash" },
  shell: { ...command, label: "Shell" },
  process: { ...command, label: "Process", say: () => "Checked on a running command" },
  code_execution: {
    label: "Code Execution",
    kind: "command",
    say: (d) => (d ? `Ran code: ${d}` : "Ran some code"),
  },
  read: {
    label: "Read",
    kind: "file",
    say: (d) => (d ? `Read ${d}` : "Read a file"),
    drop: /^from\s+/,
  },
  write: {
    label: "Write",
    kind: "file",
    say: (d) => (d ? `Wrote ${d}` : "Wrote a file"),
    drop: /^to\s+/,
  },
  edit: {
    label: "Edit",
    kind: "file",
    say: (d) => (d ? `Edited ${d}` : "Edited a file"),
    drop: /^in\s+/,
  },
  apply_patch: { label: "Apply Patch", kind: "file", say: () => "Changed files" },
  attach: {
    label: "Attach",
    kind: "file",
    say: (d) => (d ? `Attached ${d}` : "Attached a file"),
    drop: /^from\s+/,
  },
  browser: {
    label: "Browser",
    kind: "browser",
    say: (d) => {
      const site = siteOf(d);
      return site
        ? `Opened ${site} in the browser`
        : d
          ? `Used the browser: ${d}`
          : "Used the browser";
    },
  },
  web_search: {
    label: "Web Search",
    kind: "web",
    say: (d) => (d ? `Searched the web for ${d}` : "Searched the web"),
    drop: /^for\s+/,
  },
  web_fetch: {
    label: "Web Fetch",
    kind: "web",
    say: (d) => {
      const site = siteOf(d);
      return site ? `Read the web page ${site}` : "Read a web page";
    },
    drop: /^from\s+/,
  },
  memory_search: {
    label: "Memory Search",
    kind: "memory",
    say: (d) => (d ? `Searched its memory for ${d}` : "Searched its memory"),
  },
  memory_get: {
    label: "Memory Get",
    kind: "memory",
    say: (d) => (d ? `Looked up ${d} in its memory` : "Looked in its memory"),
  },
  message: {
    label: "Message",
    kind: "message",
    say: (d) => (d ? `Sent a message: ${d}` : "Sent a message"),
  },
};
// Exec items (OpenClaw's "command:<id>", titled "command <cmd>") and patch items.
const ITEM_KINDS: Record<string, Wording> = {
  command: { ...command, label: "command" },
  patch: { label: "patch", kind: "file", say: (d) => (d ? `Changed ${d}` : "Changed files") },
};

const oneLine = (s: string) => s.replace(/\s+/g, " ").trim();
const cut = (s: string, max: number) => (s.length > max ? `${s.slice(0, max - 1)}…` : s);

// A URL's host and path, without the scheme ("example.com/pricing"); empty when it is none.
function siteOf(detail: string): string {
  const match = /\b(https?:\/\/[^\s,)]+)/i.exec(detail);
  if (!match?.[1]) return "";
  try {
    const url = new URL(match[1]);
    const rest = `${url.pathname}${url.search}`;
    return `${url.host}${rest === "/" ? "" : rest}`;
  } catch {
    return "";
  }
}

// The title without OpenClaw's label and emoji, and without the "outcome unknown" suffix.
function detailOf(title: string, wording: Wording | undefined): string {
  let t = oneLine(title)
    .replace(/\s+—\s+outcome unknown$/, "")
    .replace(/^\p{Extended_Pictographic}\uFE0F?\s*/u, "");
  if (wording && t.toLowerCase().startsWith(wording.label.toLowerCase()))
    t = t.slice(wording.label.length).replace(/^[:\s]+/, "");
  if (wording?.drop) t = t.replace(wording.drop, "");
  return t;
}

function statusOf(e: ToolEvent): ChatToolStep["status"] {
  if (e.status === "failed" || e.status === "blocked") return "failed";
  if (e.status === "completed" || e.phase === "end") return "done";
  return "running";
}

/** One activity item as a chat's tool step. */
export function toolStep(e: ToolEvent): ChatToolStep {
  const name = (e.name ?? "").toLowerCase();
  const wording = TOOLS[name] ?? ITEM_KINDS[e.kind];
  const detail = detailOf(e.title, wording);
  let summary = wording
    ? wording.say(detail)
    : detail || (e.name ? `Used ${e.name}` : "Used a tool");
  if (e.status === "blocked") summary = `${summary} (blocked)`;
  else if (e.status === "failed" && e.error) summary = `${summary} (failed: ${oneLine(e.error)})`;
  return {
    id: cut(e.itemId, ID_CHARS),
    kind: wording?.kind ?? "other",
    summary: cut(oneLine(summary), TOOL_STEP_SUMMARY_CHARS),
    status: statusOf(e),
  };
}
