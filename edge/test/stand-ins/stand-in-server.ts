import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { handleGoogle } from "./google-stand-in.ts";
import { handleOpenAi } from "./openai-stand-in.ts";
import { handleResend } from "./resend-stand-in.ts";
import { handleSlack } from "./slack-stand-in.ts";
import { handleStripe } from "./stripe-stand-in.ts";
import { handleTelegram } from "./telegram-stand-in.ts";
import { handleWhatsApp } from "./whatsapp-stand-in.ts";

// One loopback HTTP server for every paid third-party service the edge calls.
export async function startStandIns(): Promise<{ url: string; server: Server }> {
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    // The channel stand-ins take the raw bytes too: multipart uploads are binary.
    const raw = Buffer.concat(chunks);
    const body = raw.toString();
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    try {
      if (await handleGoogle(req, res, url, body)) return;
      if (await handleResend(req, res, url, body)) return;
      if (await handleOpenAi(req, res, url, body)) return;
      if (await handleStripe(req, res, url, body)) return;
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
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, server };
}
