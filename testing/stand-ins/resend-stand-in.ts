import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";

// Resend's POST /emails, with its error bodies; a test-only route lists what was accepted.
export const RESEND_API_KEY = "re_stand_in_key";

interface Sent {
  id: string;
  from: string;
  to: string[];
  subject: string;
  text?: string;
  html?: string;
}
const sent: Sent[] = [];

function json(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

export async function handleResend(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  body: string,
): Promise<boolean> {
  if (req.method === "POST" && url.pathname === "/resend/emails") {
    const auth = req.headers.authorization;
    if (!auth) {
      json(res, 401, {
        statusCode: 401,
        name: "missing_api_key",
        message: "Missing API key in the authorization header.",
      });
      return true;
    }
    if (auth !== `Bearer ${RESEND_API_KEY}`) {
      json(res, 403, { statusCode: 403, name: "invalid_api_key", message: "API key is invalid" });
      return true;
    }
    const mail = JSON.parse(body) as Partial<Sent>;
    if (!mail.from || !mail.to?.length || !mail.subject || !(mail.text || mail.html)) {
      json(res, 422, {
        statusCode: 422,
        name: "validation_error",
        message: "Missing `from`, `to`, `subject` or content.",
      });
      return true;
    }
    const id = randomUUID();
    sent.push({
      id,
      from: mail.from,
      to: mail.to,
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
    });
    json(res, 200, { id });
    return true;
  }
  if (req.method === "GET" && url.pathname === "/resend/_test/sent") {
    json(res, 200, { emails: sent.filter((m) => m.to.includes(url.searchParams.get("to") ?? "")) });
    return true;
  }
  return false;
}
