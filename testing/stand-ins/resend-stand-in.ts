import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

// Resend's POST /emails and GET /emails/:id, with its checks and error bodies (422
// missing_required_field / validation_error, 401/403 for keys). What was accepted is kept as
// sent — from, to, cc, bcc, reply_to, subject, text, html, headers (In-Reply-To, References…)
// and attachments — and a test-only route lists it (`GET /resend/_test/sent?to=&from=`).
export const RESEND_API_KEY = "re_stand_in_key";
const MAX_RECIPIENTS = 50;
const MAX_ATTACHMENT_BYTES = 40 * 1024 * 1024;
// `email@example.com` or `Name <email@example.com>`, as Resend accepts them (looser on the
// domain: the suites write to single-label test domains).
const ADDRESS = /^(?:[^<>]*<[^\s@<>]+@[^\s@<>]+>|[^\s@<>]+@[^\s@<>]+)$/;
const ADDRESS_HINT =
  "The email address needs to follow the `email@example.com` or `Name <email@example.com>` format.";

interface Attachment {
  filename: string;
  content_type?: string;
  /** Base64, as sent; `path` when Resend was to fetch the file. */
  content?: string;
  path?: string;
  size: number;
}

export interface SentEmail {
  id: string;
  created_at: string;
  from: string;
  to: string[];
  cc?: string[];
  bcc?: string[];
  reply_to?: string[];
  subject: string;
  text?: string;
  html?: string;
  headers?: Record<string, string>;
  attachments?: Attachment[];
}
const sent: SentEmail[] = [];

function json(res: ServerResponse, status: number, body: unknown): true {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
  return true;
}
const refuse = (res: ServerResponse, name: string, message: string) =>
  json(res, 422, { statusCode: 422, name, message });

const list = (v: unknown): string[] | null =>
  typeof v === "string"
    ? [v]
    : Array.isArray(v) && v.every((a) => typeof a === "string")
      ? v
      : null;

/** The message as Resend would keep it, or why Resend refuses it. */
function accept(mail: Record<string, unknown>): SentEmail | { name: string; message: string } {
  for (const field of ["from", "to", "subject"])
    if (mail[field] === undefined || mail[field] === "")
      return { name: "missing_required_field", message: `Missing \`${field}\` field.` };
  if (typeof mail.from !== "string" || !ADDRESS.test(mail.from))
    return { name: "validation_error", message: `Invalid \`from\` field. ${ADDRESS_HINT}` };
  const lists: Record<string, string[] | undefined> = {};
  for (const field of ["to", "cc", "bcc", "reply_to"]) {
    if (mail[field] === undefined) continue;
    const addresses = list(mail[field]);
    if (!addresses?.every((a) => ADDRESS.test(a)))
      return { name: "validation_error", message: `Invalid \`${field}\` field. ${ADDRESS_HINT}` };
    lists[field] = addresses;
  }
  const recipients = ["to", "cc", "bcc"].reduce((n, f) => n + (lists[f]?.length ?? 0), 0);
  if (recipients > MAX_RECIPIENTS)
    return {
      name: "validation_error",
      message: `Too many recipients (at most ${MAX_RECIPIENTS}).`,
    };
  if (typeof mail.subject !== "string")
    return { name: "validation_error", message: "The `subject` field must be a string." };
  for (const field of ["text", "html"])
    if (mail[field] !== undefined && typeof mail[field] !== "string")
      return { name: "validation_error", message: `The \`${field}\` field must be a string.` };
  if (!mail.text && !mail.html)
    return { name: "missing_required_field", message: "Missing `html` or `text` field." };
  const headers = mail.headers;
  if (
    headers !== undefined &&
    (typeof headers !== "object" ||
      headers === null ||
      Object.values(headers).some((v) => typeof v !== "string"))
  )
    return { name: "validation_error", message: "The `headers` field must map names to strings." };
  const attachments = attachmentsOf(mail.attachments);
  if (typeof attachments === "string") return { name: "validation_error", message: attachments };
  return {
    id: randomUUID(),
    created_at: new Date().toISOString(),
    from: mail.from,
    to: lists.to ?? [],
    ...(lists.cc ? { cc: lists.cc } : {}),
    ...(lists.bcc ? { bcc: lists.bcc } : {}),
    ...(lists.reply_to ? { reply_to: lists.reply_to } : {}),
    subject: mail.subject,
    ...(mail.text ? { text: String(mail.text) } : {}),
    ...(mail.html ? { html: String(mail.html) } : {}),
    ...(headers ? { headers: headers as Record<string, string> } : {}),
    ...(attachments.length ? { attachments } : {}),
  };
}

function attachmentsOf(raw: unknown): Attachment[] | string {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) return "The `attachments` field must be an array.";
  const out: Attachment[] = [];
  let total = 0;
  for (const item of raw as Record<string, unknown>[]) {
    const { filename, content, path, content_type } = item ?? {};
    if (typeof filename !== "string" || filename === "")
      return "Each attachment needs a `filename`.";
    if ((typeof content === "string") === (typeof path === "string"))
      return "Attachment must have either a `content` or `path`.";
    if (typeof content === "string" && !/^[A-Za-z0-9+/]*={0,2}$/.test(content))
      return "Attachment `content` must be base64.";
    const size = typeof content === "string" ? Buffer.from(content, "base64").length : 0;
    total += size;
    out.push({
      filename,
      ...(typeof content_type === "string" ? { content_type } : {}),
      ...(typeof content === "string" ? { content } : { path: String(path) }),
      size,
    });
  }
  if (total > MAX_ATTACHMENT_BYTES) return "Attachments may total at most 40 MB.";
  return out;
}

export async function handleResend(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  body: string,
): Promise<boolean> {
  if (req.method === "GET" && url.pathname === "/resend/_test/sent") {
    const to = url.searchParams.get("to");
    const from = url.searchParams.get("from");
    return json(res, 200, {
      emails: sent.filter(
        (m) => (to === null || m.to.includes(to)) && (from === null || m.from.includes(from)),
      ),
    });
  }
  if (!url.pathname.startsWith("/resend/emails")) return false;
  const auth = req.headers.authorization;
  if (!auth)
    return json(res, 401, {
      statusCode: 401,
      name: "missing_api_key",
      message: "Missing API key in the authorization header.",
    });
  if (auth !== `Bearer ${RESEND_API_KEY}`)
    return json(res, 403, {
      statusCode: 403,
      name: "invalid_api_key",
      message: "API key is invalid",
    });

  const one = /^\/resend\/emails\/([^/]+)$/.exec(url.pathname);
  if (req.method === "GET" && one) {
    const mail = sent.find((m) => m.id === one[1]);
    if (!mail)
      return json(res, 404, { statusCode: 404, name: "not_found", message: "Email not found" });
    return json(res, 200, { object: "email", ...mail, last_event: "delivered" });
  }
  if (req.method !== "POST" || url.pathname !== "/resend/emails")
    return json(res, 405, {
      statusCode: 405,
      name: "method_not_allowed",
      message: "Method not allowed",
    });
  let mail: unknown;
  try {
    mail = JSON.parse(body);
  } catch {
    return refuse(res, "validation_error", "The body must be JSON.");
  }
  if (typeof mail !== "object" || mail === null || Array.isArray(mail))
    return refuse(res, "validation_error", "The body must be a JSON object.");
  const accepted = accept(mail as Record<string, unknown>);
  if ("name" in accepted) return refuse(res, accepted.name, accepted.message);
  sent.push(accepted);
  return json(res, 200, { id: accepted.id });
}
