import type { Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startDevProxy } from "../scripts/dev-proxy.ts";
import { type Edge, freePort, hireBody, signIn, startEdge } from "./stack.ts";

// Inbound mail in development, as `npm run dev` offers it: wrangler dev's local email handler
// (POST /cdn-cgi/handler/email?from=&to=, a raw message as the body) reaches the Worker's email()
// through the dev proxy's one URL. `format=json` makes wrangler answer what the handler did.
// The mail's way into the inbox and the reply are edge/test/channels-email-flow.test.ts.

const DOMAIN = "employees.localhost";
let edge: Edge;
let proxy: Server;
let publicUrl: string;

beforeAll(async () => {
  edge = await startEdge();
  const port = await freePort();
  const edgePort = Number(new URL(edge.edgeUrl).port);
  // Nothing listens for the app here: only the edge's paths are asked.
  proxy = await startDevProxy({
    port,
    edge: { host: "127.0.0.1", port: edgePort },
    app: { host: "127.0.0.1", port: await freePort() },
  });
  publicUrl = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  proxy?.close();
  await edge?.stop();
});

function raw(to: string, headers: Record<string, string> = {}): string {
  const all = {
    From: "you@example.com",
    To: to,
    Subject: "Hello",
    "Message-ID": `<${crypto.randomUUID()}@example.com>`,
    ...headers,
  };
  return `${Object.entries(all)
    .filter(([, v]) => v !== "")
    .map(([k, v]) => `${k}: ${v}`)
    .join("\r\n")}\r\n\r\nHi!\r\n`;
}

const sendMail = (to: string, body: string) =>
  fetch(
    `${publicUrl}/cdn-cgi/handler/email?format=json&from=you%40example.com&to=${encodeURIComponent(to)}`,
    { method: "POST", body },
  );

describe("wrangler dev's local email handler, through the dev proxy", () => {
  it("reaches the Worker's email(): an unknown address is rejected with our reason", async () => {
    const to = `nobody@${DOMAIN}`;
    const res = await sendMail(to, raw(to));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      outcome: "ok",
      rejectReason: "No such address here.",
    });
  });

  it("takes mail to an employee's address (no reject) and refuses a message without Message-ID", async () => {
    const person = await signIn(edge.edgeUrl, "you@example.com");
    const hired = await person.call("POST /api/employees", { body: hireBody });
    // The email channel hiring made, with its address.
    const { channels } = await person.call("GET /api/employees/:id/channels", {
      params: { id: hired.employee.id },
    });
    const to = channels.find((c) => c.kind === "email")?.address ?? "";
    expect(to).toMatch(new RegExp(`@${DOMAIN.replace(/\./g, "\\.")}$`));
    const res = await sendMail(to, raw(to));
    expect(res.status).toBe(200);
    const outcome = (await res.json()) as { outcome: string; rejectReason?: string };
    expect(outcome).toMatchObject({ outcome: "ok" });
    expect(outcome.rejectReason).toBeUndefined();

    const noId = await sendMail(to, raw(to, { "Message-ID": "" }));
    expect(noId.status).toBe(400);
  });
});
