import type { MailLanguage } from "../contract/launch.ts";
import { escapeHtml, oneLine } from "./invitation-mail.ts";
import type { OutgoingMail } from "./mailer.ts";

// The email that says a newly hired employee is ready, sent once, to whoever hired it, in the
// language the app showed them (English when it did not know). The name is typed by customers:
// one short line in the subject, escaped in the HTML part; the link is ours (the workspace).

const SUBJECT_NAME_MAX = 60;

export interface ReadyMailInput {
  to: string;
  name: string;
  link: string;
  lang: MailLanguage;
}

const TEXT: Record<
  MailLanguage,
  { subject: (n: string) => string; lead: (n: string) => string; open: string; why: string }
> = {
  en: {
    subject: (n) => `${n} is ready`,
    lead: (n) => `${n} is ready to work: the workspace is set up and the chat is open.`,
    open: "Open the workspace",
    why: "You hired this employee on InstantWorker; we said we would email you when it is ready.",
  },
  de: {
    subject: (n) => `${n} ist bereit`,
    lead: (n) => `${n} ist bereit: Der Arbeitsplatz ist eingerichtet und der Chat ist offen.`,
    open: "Arbeitsplatz öffnen",
    why: "Sie haben diesen Mitarbeiter bei InstantWorker eingestellt; wir haben versprochen, Ihnen zu schreiben, sobald er bereit ist.",
  },
};

export function readyMail(input: ReadyMailInput): OutgoingMail {
  const text = TEXT[input.lang];
  const name = oneLine(input.name, SUBJECT_NAME_MAX);
  return {
    to: input.to,
    subject: text.subject(name),
    link: input.link,
    text: `${text.lead(name)}\n\n${text.open}:\n\n${input.link}\n\n${text.why}`,
    html: `<p>${escapeHtml(text.lead(name))}</p><p><a href="${escapeHtml(input.link)}">${escapeHtml(text.open)}</a></p><p>${escapeHtml(text.why)}</p>`,
  };
}
