import { connect } from "node:net";
import type { FuzzRequest } from "./fuzz-requests.ts";
import { type RawAnswer, rawRequest } from "./raw-http.ts";

// How the fuzz test sends: many raw requests a few dozen at a time, and clients that never finish.
export const CONCURRENCY = 48;
// How long one request waits for an answer before its socket is dropped (a half-sent request
// gets none until the server's timeout, which slowClients measures).
export const FUZZ_READ_MS = 800;
export const SLOW_CLIENTS = 8;

export interface FuzzTally {
  sent: number;
  ms: number;
  statuses: Map<string, number>;
  /** Answers 500 and up other than 502 (an employee or gateway that is not there). */
  fiveHundreds: string[];
}

// Sends generated requests, CONCURRENCY at a time, each on its own connection from the address
// `localAddress` picks, and tallies what came back.
export async function fuzz(
  port: number,
  requests: Generator<FuzzRequest>,
  localAddress: () => string,
): Promise<FuzzTally> {
  const started = Date.now();
  const statuses = new Map<string, number>();
  const fiveHundreds: string[] = [];
  let sent = 0;
  const worker = async () => {
    for (let next = requests.next(); !next.done; next = requests.next()) {
      const req = next.value;
      sent++;
      const answer: RawAnswer = await new Promise((resolve) => {
        const s = connect({ port, host: "127.0.0.1", localAddress: localAddress() });
        const chunks: Buffer[] = [];
        const done = (closedByServer: boolean) => {
          clearTimeout(timer);
          s.destroy();
          const text = Buffer.concat(chunks).toString("latin1");
          const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
          resolve({
            status: m ? Number(m[1]) : null,
            head: text.slice(0, 300),
            body: "",
            closedByServer,
            ms: 0,
          });
        };
        const timer = setTimeout(() => done(false), FUZZ_READ_MS);
        s.on("connect", () => (req.end ? s.end(req.bytes) : s.write(req.bytes)));
        s.on("data", (d: Buffer) => chunks.push(d));
        s.on("close", () => done(true));
        s.on("error", () => done(true));
      });
      const key =
        answer.status === null
          ? answer.closedByServer
            ? "closed"
            : "no answer yet"
          : String(answer.status);
      statuses.set(key, (statuses.get(key) ?? 0) + 1);
      if (answer.status !== null && answer.status >= 500 && answer.status !== 502)
        fiveHundreds.push(
          `${req.klass}: ${JSON.stringify(req.bytes.toString("latin1").slice(0, 200))} → ${answer.head}`,
        );
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  return { sent, ms: Date.now() - started, statuses, fiveHundreds };
}

// Clients that never finish: a head cut short, a head dripped a byte a second, a body cut short.
// SLOW_CLIENTS of the first and third, half as many of the second.
export function slowClients(port: number, head: string, localAddress: string) {
  const half = head.slice(0, head.indexOf("\r\n") + 2);
  const cut = (bytes: string) =>
    rawRequest(port, bytes, { keepOpen: true, timeoutMs: 60_000, localAddress });
  const drip = () =>
    new Promise<RawAnswer>((resolve) => {
      const started = Date.now();
      const s = connect({ port, host: "127.0.0.1", localAddress });
      let i = 0;
      const timer = setInterval(() => {
        if (!s.destroyed) s.write(head[i++ % head.length] ?? "x");
      }, 1000);
      let text = "";
      s.on("data", (d: Buffer) => {
        text += d.toString("latin1");
      });
      s.on("close", () => {
        clearInterval(timer);
        const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
        resolve({
          status: m ? Number(m[1]) : null,
          head: text,
          body: "",
          closedByServer: true,
          ms: Date.now() - started,
        });
      });
      s.on("error", () => {});
    });
  const headers = Array.from({ length: SLOW_CLIENTS }, () => cut(half));
  const drips = Array.from({ length: SLOW_CLIENTS / 2 }, drip);
  const bodies = Array.from({ length: SLOW_CLIENTS }, () =>
    cut(`${head.replace("\r\n\r\n", "\r\nContent-Length: 1000\r\n\r\n")}{"only part`),
  );
  return { headers: Promise.all([...headers, ...drips]), bodies: Promise.all(bodies) };
}
