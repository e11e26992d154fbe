// The providers on loopback for the channel journeys and the channel bench: Telegram, Slack,
// WhatsApp and Resend (testing/stand-ins/, which also play the person writing: their `_test/…`
// controls POST the provider's webhook to the edge), and the OpenAI stand-in the edge's LLM
// gateway calls, answering as the development model. Every request the providers' APIs get is
// kept with its time (Date.now(), comparable with the edge's and the bench's clocks).
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { handleOpenAi, type OpenAiMode } from "../../testing/stand-ins/openai-stand-in.ts";
import { handleResend } from "../../testing/stand-ins/resend-stand-in.ts";
import { handleSlack } from "../../testing/stand-ins/slack-stand-in.ts";
import { handleTelegram } from "../../testing/stand-ins/telegram-stand-in.ts";
import { handleWhatsApp } from "../../testing/stand-ins/whatsapp-stand-in.ts";

export interface ProviderCall {
  at: number;
  method: string;
  path: string;
}

export interface ChannelStandIns {
  url: string;
  /** Calls of the providers' APIs (not the `_test/` controls, not the model), oldest first. */
  calls: ProviderCall[];
  /** POSTs `body` to a control (`/telegram/_test/deliver`…), GETs when there is none. */
  control<T = Record<string, unknown>>(path: string, body?: unknown): Promise<T>;
  close(): Promise<void>;
}

export async function startChannelStandIns(
  opts: { model?: OpenAiMode } = {},
): Promise<ChannelStandIns> {
  const calls: ProviderCall[] = [];
  const server: Server = createServer(async (req, res) => {
    const at = Date.now();
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const body = raw.toString();
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    if (!url.pathname.includes("/_test/") && !url.pathname.startsWith("/openai/"))
      calls.push({ at, method: req.method ?? "GET", path: url.pathname });
    try {
      if (await handleOpenAi(req, res, url, body, opts.model ?? "development")) return;
      if (await handleResend(req, res, url, body)) return;
      if (await handleTelegram(req, res, url, body, raw)) return;
      if (await handleSlack(req, res, url, body, raw)) return;
      if (await handleWhatsApp(req, res, url, body, raw)) return;
      res.writeHead(404, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: "not_found" }));
    } catch (err) {
      res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: String(err) }));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    calls,
    async control<T>(path: string, body?: unknown): Promise<T> {
      const res = await fetch(`${url}${path}`, {
        method: body === undefined ? "GET" : "POST",
        headers: body === undefined ? {} : { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      if (!res.ok) throw new Error(`${path}: ${res.status} ${text}`);
      return JSON.parse(text) as T;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** What a `_test/deliver` or `_test/redeliver` control answers: the webhook's own answer. */
export interface Delivered {
  status: number | null;
  body: string;
  ms: number;
  delivered: boolean;
  error?: string;
}

/** A raw RFC 5322 message as a mail server hands it to the Worker's email() handler. */
export function rawEmail(m: {
  from: string;
  to: string;
  subject: string;
  messageId: string;
  text: string;
  inReplyTo?: string;
  references?: string[];
  /** The receiving server's verdict (Authentication-Results), written as Cloudflare writes it. */
  dmarcPassBy?: string;
}): string {
  // The From domain, whether From is `a@b` or `Name <a@b>`.
  const domain = (/<([^>]+)>/.exec(m.from)?.[1] ?? m.from).split("@").pop() ?? "";
  const lines = [
    ...(m.dmarcPassBy
      ? [
          `Authentication-Results: ${m.dmarcPassBy}; spf=pass smtp.mailfrom=${domain}; dmarc=pass header.from=${domain}`,
        ]
      : []),
    `From: ${m.from}`,
    `To: ${m.to}`,
    `Subject: ${m.subject}`,
    `Message-ID: ${m.messageId}`,
    ...(m.inReplyTo ? [`In-Reply-To: ${m.inReplyTo}`] : []),
    ...(m.references?.length ? [`References: ${m.references.join(" ")}`] : []),
    `Date: ${new Date().toUTCString()}`,
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=utf-8",
    "",
    m.text,
    "",
  ];
  return lines.join("\r\n");
}

/** Through wrangler dev's local email handler, as Cloudflare Email Routing would hand it over. */
export async function sendEmail(
  edgeUrl: string,
  from: string,
  to: string,
  raw: string,
): Promise<{ status: number; ms: number; outcome?: string; rejectReason?: string }> {
  const started = performance.now();
  const res = await fetch(
    `${edgeUrl}/cdn-cgi/handler/email?${new URLSearchParams({ from, to, format: "json" })}`,
    { method: "POST", body: raw },
  );
  const ms = performance.now() - started;
  const text = await res.text();
  try {
    const json = JSON.parse(text) as { outcome?: string; rejectReason?: string };
    return { status: res.status, ms, outcome: json.outcome, rejectReason: json.rejectReason };
  } catch {
    return { status: res.status, ms, outcome: text.slice(0, 200) };
  }
}
