// The Docker events reader against a stream no real engine sends: garbage lines, JSON of every
// wrong shape, and one endless line. A stand-in for the engine's /events endpoint on a Unix socket
// (its wire format: newline-delimited JSON over a chunked HTTP response) is the only way to send
// them; the reader under test is the real DockerRuntime.watch.
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { DockerRuntime } from "../runtime/docker/docker-runtime.ts";
import type { RuntimeEvent } from "../runtime/employee-runtime.ts";

const dir = mkdtempSync(path.join(tmpdir(), "iw-fake-docker-"));
const socketPath = path.join(dir, "docker.sock");
const ENDLESS_LINE_BYTES = 128 * 1024 * 1024;
const event = (employeeId: string, Action: string) =>
  `${JSON.stringify({ Type: "container", Action, Actor: { ID: `c-${employeeId}`, Attributes: { "instantworker.employee": employeeId } } })}\n`;

let engine: Server | undefined;

afterAll(() => {
  engine?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("the docker events reader", () => {
  it("skips garbage and drops an endless line without holding it, then reads on", async () => {
    engine = createServer((req, res) => {
      if (!req.url?.includes("/events")) return void res.writeHead(404).end("{}");
      res.writeHead(200, { "content-type": "application/json" });
      res.write(event("first", "start"));
      for (const line of [
        "null",
        "[]",
        "42",
        '"a string"',
        "{",
        '{"Action":5}',
        '{"Actor":null,"Action":"start"}',
        '{"Actor":5,"Action":"start"}',
        '{"Actor":{"Attributes":null},"Action":"start"}',
        '{"Actor":{"Attributes":{"instantworker.employee":{"x":1}}},"Action":"start"}',
        '{"Actor":{"Attributes":{"instantworker.employee":"../../etc"}},"Action":"start"}',
        '{"Actor":{"ID":{},"Attributes":{"instantworker.employee":"ok"}},"Action":["start"]}',
        '{"Actor":{"ID":7,"Attributes":{"instantworker.employee":"ok"}},"Action":"die"}',
      ])
        res.write(`${line}\n`);
      res.write(Buffer.from([0xff, 0xfe, 0x00, 0x0a]));
      // An endless line, in pieces, then the rest of the stream.
      const piece = Buffer.alloc(64 * 1024, "a");
      let sent = 0;
      const more = () => {
        while (sent < ENDLESS_LINE_BYTES) {
          sent += piece.length;
          if (!res.write(piece)) return void res.once("drain", more);
        }
        res.write("\n");
        res.write(event("last", "destroy"));
      };
      more();
    });
    await new Promise<void>((r) => engine?.listen(socketPath, r));

    const logs: string[] = [];
    const log = pino({ level: "debug" }, { write: (l: string) => void logs.push(l) });
    const runtime = new DockerRuntime({
      socketPath,
      image: "unused",
      memoryMb: 64,
      cpus: 1,
      pidsLimit: 16,
      network: "unused",
      readyTimeoutMs: 1000,
      teamFilesRoot: dir,
      disksRoot: path.join(dir, "disks"),
      log,
    });
    const events: RuntimeEvent[] = [];
    const stop = runtime.watch((e) => events.push(e));
    const deadline = Date.now() + 45_000;
    while (!events.some((e) => e.employeeId === "last") && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    stop();
    expect(events.map((e) => `${e.type} ${e.employeeId}`)).toEqual([
      "started first",
      "stopped ok",
      "removed last",
    ]);
    expect(events[1]?.containerId).toBeNull(); // an ID that is not a string is not passed on
    expect(logs.some((l) => l.includes("dropped a docker event line"))).toBe(true);
  });
});
