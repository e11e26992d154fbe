import { env } from "cloudflare:workers";
import { defaultChannelSettings } from "../contract/channels.ts";
import type { InboundEmail } from "../services/inbound-email.ts";
import { upsertChannel } from "../store/channels.ts";
import { accountOf } from "./helpers.ts";

// What the email channel's tests share: raw messages as a mail server hands them on, the
// ForwardableEmailMessage the Worker's email() gets, and an employee's email channel row.

export const MAIL_DOMAIN = "employees.localhost";

export interface RawFile {
  name: string;
  type: string;
  body: string;
}

/** A raw RFC 5322 message, multipart when it carries files. Empty header values are left out. */
export function rawMail(
  headers: Record<string, string>,
  body = "Hello,\r\nplease send the report.\r\n",
  files: RawFile[] = [],
): string {
  const all: Record<string, string> = {
    From: '"Ada Lovelace" <ada@example.com>',
    Subject: "Quarterly report",
    Date: "Thu, 01 Jan 2026 09:00:00 +0000",
    "Message-ID": `<${crypto.randomUUID()}@example.com>`,
    "MIME-Version": "1.0",
    ...headers,
  };
  const boundary = `b-${crypto.randomUUID()}`;
  if (files.length) all["Content-Type"] = `multipart/mixed; boundary="${boundary}"`;
  else all["Content-Type"] ??= "text/plain; charset=utf-8";
  const head = Object.entries(all)
    .filter(([, v]) => v !== "")
    .map(([k, v]) => `${k}: ${v}`)
    .join("\r\n");
  if (!files.length) return `${head}\r\n\r\n${body}`;
  const parts = [
    `Content-Type: text/plain; charset=utf-8\r\n\r\n${body}`,
    ...files.map(
      (f) =>
        `Content-Type: ${f.type}\r\nContent-Disposition: attachment; filename="${f.name}"\r\nContent-Transfer-Encoding: base64\r\n\r\n${btoa(f.body)}`,
    ),
  ];
  return `${head}\r\n\r\n${parts.map((p) => `--${boundary}\r\n${p}\r\n`).join("")}--${boundary}--\r\n`;
}

/** The message as Email Routing hands it to the Worker; `rejected` is what setReject got. */
export function forwardable(
  raw: string,
  envelope: { from: string; to: string },
): InboundEmail & { rejected: string | null } {
  const bytes = new TextEncoder().encode(raw);
  const message = {
    from: envelope.from,
    to: envelope.to,
    raw: new Blob([bytes]).stream(),
    rawSize: bytes.byteLength,
    rejected: null as string | null,
    setReject(reason: string) {
      message.rejected = reason;
    },
  };
  return message;
}

/** Gives a hired employee its email channel (what hiring does once package A lands). */
export async function emailChannel(
  cookie: string,
  employeeId: string,
  opts: { local?: string; status?: "connected" | "paused"; policy?: "members" | "anyone" } = {},
) {
  const local = opts.local ?? `maya-${crypto.randomUUID().slice(0, 8)}`;
  const row = await upsertChannel(
    env.DB,
    {
      accountId: await accountOf(cookie),
      employeeId,
      kind: "email",
      status: opts.status ?? "connected",
      externalId: local,
      display: `${local}@${MAIL_DOMAIN}`,
      settings: { ...defaultChannelSettings("email"), policy: opts.policy ?? "members" },
      connectedAt: Date.now(),
    },
    Date.now(),
  );
  return { row, address: `${local}@${MAIL_DOMAIN}` };
}
