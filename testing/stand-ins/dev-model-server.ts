import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { handleOpenAi, OPENAI_KEY } from "./openai-stand-in.ts";

export interface DevModel {
  /** What LLM_UPSTREAM_URL names: OpenAI's /v1 on loopback. */
  baseUrl: string;
  /** What LLM_UPSTREAM_KEY must be. */
  key: string;
  close(): Promise<void>;
}

// The development model (dev-model.ts) on its own loopback server: the OpenAI stand-in in
// development mode, nothing else. `npm run dev` points the edge's gateway at it when no
// provider is configured.
export async function startDevModel(port = 0): Promise<DevModel> {
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    try {
      if (await handleOpenAi(req, res, url, Buffer.concat(chunks).toString(), "development"))
        return;
      res.writeHead(404, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { message: "not found", type: "invalid_request_error" } }));
    } catch (err) {
      if (res.headersSent) return void res.end();
      res.writeHead(400, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { message: String(err), type: "invalid_request_error" } }));
    }
  });
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve));
  const address = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${address.port}/openai/v1`,
    key: OPENAI_KEY,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
