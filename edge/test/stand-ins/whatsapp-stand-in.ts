import type { IncomingMessage, ServerResponse } from "node:http";

export async function handleWhatsApp(
  _req: IncomingMessage,
  _res: ServerResponse,
  _url: URL,
  _body: string,
  _raw: Buffer,
): Promise<boolean> {
  return false;
}
