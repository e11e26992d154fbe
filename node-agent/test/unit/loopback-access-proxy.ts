import { generateKeyPairSync } from "node:crypto";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  type AccessScope,
  importSigningKey,
  importVerifyKey,
  signAccessToken,
} from "../../../edge/protocol/access-token.ts";
import { startAccessProxy } from "../../access/access-proxy.ts";
import { createLogger } from "../../logger.ts";
import { FakeRuntime } from "../fake-runtime.ts";

/**
 * The access proxy on loopback in front of one employee whose container is a loopback server of
 * the test's (`upstreamPort`), and a grant the edge would sign for it (`scope`, a minute long).
 */
export async function startLoopbackAccessProxy(opts: {
  employee: string;
  upstreamPort: number;
  scope: AccessScope;
}): Promise<{ proxy: Server; port: number; token: string }> {
  const pair = generateKeyPairSync("ed25519");
  const privateB64 = pair.privateKey.export({ type: "pkcs8", format: "der" }).toString("base64");
  const publicB64 = (pair.publicKey.export({ type: "spki", format: "der" }) as Buffer)
    .subarray(12)
    .toString("base64");
  const runtime = new FakeRuntime();
  runtime.endpoints.set(opts.employee, { host: "127.0.0.1", port: opts.upstreamPort });
  const proxy = await startAccessProxy({
    port: 0,
    host: "127.0.0.1",
    key: await importVerifyKey(publicB64),
    runtime,
    cookieMode: "same-site",
    log: createLogger("silent"),
  });
  const token = await signAccessToken(await importSigningKey(privateB64), {
    e: opts.employee,
    u: "user-1",
    s: opts.scope,
    x: Date.now() + 60_000,
  });
  return { proxy, port: (proxy.address() as AddressInfo).port, token };
}
