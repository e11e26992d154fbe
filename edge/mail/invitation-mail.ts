import type { OutgoingMail } from "./mailer.ts";

// The email that invites someone into an account. The account's name and the inviter's name are
// typed by customers, so they are escaped for the HTML part and kept to one short line in the
// subject; the link is ours (APP_URL's /invite page).

const SUBJECT_NAME_MAX = 60;

export interface InvitationMailInput {
  to: string;
  accountName: string;
  inviterName: string | null;
  inviterEmail: string;
  role: "admin" | "member";
  link: string;
  days: number;
}

const HTML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};
export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch] ?? ch);

// Control characters (a newline above all) never reach a subject line.
export function oneLine(s: string, max: number): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
  const flat = s.replace(/[\u0000-\u001f\u007f]+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

export function invitationMail(input: InvitationMailInput): OutgoingMail {
  const who = input.inviterName?.trim()
    ? `${oneLine(input.inviterName, SUBJECT_NAME_MAX)} (${input.inviterEmail})`
    : input.inviterEmail;
  const account = oneLine(input.accountName, SUBJECT_NAME_MAX);
  const as = input.role === "admin" ? "an admin" : "a member";
  const expiry = `The link works once and expires in ${input.days} days. It is for ${input.to}: sign in with that email to accept. If you did not expect it, ignore this email.`;
  return {
    to: input.to,
    subject: `${oneLine(who, SUBJECT_NAME_MAX * 2)} invited you to ${account} on InstantWorker`,
    link: input.link,
    text: `${who} invited you to join the team "${account}" on InstantWorker as ${as}.\n\nSee the invitation and accept it:\n\n${input.link}\n\n${expiry}`,
    html: `<p>${escapeHtml(who)} invited you to join the team <strong>${escapeHtml(account)}</strong> on InstantWorker as ${as}.</p><p><a href="${escapeHtml(input.link)}">See the invitation</a></p><p>${escapeHtml(expiry)}</p>`,
  };
}
