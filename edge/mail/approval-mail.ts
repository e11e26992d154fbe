import { escapeHtml, oneLine } from "./invitation-mail.ts";
import type { OutgoingMail } from "./mailer.ts";

// "<name> asks before running …" to each person who may decide (issue 18), with the one link that
// opens the request in the approvals inbox. The command comes from the employee's OpenClaw (and
// so, indirectly, from whoever wrote to it): one short line in the subject, escaped in the HTML.

const SUBJECT_NAME_MAX = 40;
const SUBJECT_COMMAND_MAX = 60;
const BODY_COMMAND_MAX = 1000;

export interface ApprovalMailInput {
  to: string;
  employeeName: string;
  action: string;
  command: string;
  expiresAt: number;
  link: string;
}

export function approvalMail(input: ApprovalMailInput): OutgoingMail {
  const name = oneLine(input.employeeName, SUBJECT_NAME_MAX);
  const what = input.action === "exec" ? "run a command" : `use ${oneLine(input.action, 40)}`;
  const command = input.command.slice(0, BODY_COMMAND_MAX);
  const until = new Date(input.expiresAt).toISOString().replace("T", " ").slice(0, 16);
  const lead = `${name} asks before it goes on: it wants to ${what}.`;
  const decide = "Allow once, always allow, or deny";
  const note = `If nobody decides by ${until} UTC, it is denied. You get this email because you may decide approvals in this team.`;
  return {
    to: input.to,
    subject: `${name} asks to ${what}: ${oneLine(input.command, SUBJECT_COMMAND_MAX)}`,
    link: input.link,
    text: `${lead}\n\n${command}\n\n${decide}:\n\n${input.link}\n\n${note}`,
    html: `<p>${escapeHtml(lead)}</p><pre>${escapeHtml(command)}</pre><p><a href="${escapeHtml(input.link)}">${escapeHtml(decide)}</a></p><p>${escapeHtml(note)}</p>`,
  };
}
