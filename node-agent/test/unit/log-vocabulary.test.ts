// The edge's logger (edge/log/logger.ts) and the agent's (node-agent/logger.ts) write the same
// vocabulary: every line of either parses with the one schema in edge/protocol/log-fields.ts, and
// the same ids and error come out under the same names and shapes on both sides.
import { afterEach, describe, expect, it, vi } from "vitest";
import { createLogger as createEdgeLogger, errorFields } from "../../../edge/log/logger.ts";
import { LogLine } from "../../../edge/protocol/log-fields.ts";
import { createLogger as createAgentLogger } from "../../logger.ts";
import { RuntimeError } from "../../runtime/employee-runtime.ts";

const ids = {
  requestId: "req-1",
  userId: "u1",
  employeeId: "e1",
  nodeId: "n1",
  commandId: "c1",
};

function edgeLines(write: (log: ReturnType<typeof createEdgeLogger>) => void): LogLine[] {
  const lines: string[] = [];
  for (const method of ["log", "warn", "error"] as const)
    vi.spyOn(console, method).mockImplementation((line: string) => void lines.push(line));
  write(createEdgeLogger());
  vi.restoreAllMocks();
  return lines.map((l) => LogLine.parse(JSON.parse(l)));
}

function agentLines(write: (log: ReturnType<typeof createAgentLogger>) => void): LogLine[] {
  const lines: string[] = [];
  write(createAgentLogger("debug", {}, { write: (l: string) => void lines.push(l) }));
  return lines.map((l) => LogLine.parse(JSON.parse(l)));
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("one log vocabulary for the edge and the agent", () => {
  it("writes the shared level names on both sides", () => {
    const edge = edgeLines((log) => {
      log.debug("d");
      log.info("i");
      log.warn("w");
      log.error("e");
    });
    const agent = agentLines((log) => {
      log.debug("d");
      log.info("i");
      log.warn("w");
      log.error("e");
      // pino's own extra levels fold into the shared ones.
      log.fatal("f");
    });
    expect(edge.map((l) => l.level)).toEqual(["debug", "info", "warn", "error"]);
    expect(agent.map((l) => l.level)).toEqual(["debug", "info", "warn", "error", "error"]);
    expect(new Set(edge.map((l) => l.service))).toEqual(new Set(["edge"]));
    expect(new Set(agent.map((l) => l.service))).toEqual(new Set(["node-agent"]));
  });

  it("writes the same ids and error under the same names and shapes", () => {
    const failure = new RuntimeError("image_missing", "no such image", false);
    const [edge] = edgeLines((log) => log.child(ids).warn("command failed", { err: failure }));
    const [agent] = agentLines((log) => log.child(ids).warn({ err: failure }, "command failed"));
    const shape = (l: LogLine | undefined) => {
      const { time: _time, service: _service, err, ...rest } = l ?? ({} as LogLine);
      return { ...rest, err: { ...err, stack: typeof err?.stack } };
    };
    expect(shape(edge)).toEqual({
      level: "warn",
      msg: "command failed",
      ...ids,
      err: { message: "no such image", code: "image_missing", stack: "string" },
    });
    expect(shape(agent)).toEqual(shape(edge));
  });

  it("turns whatever was caught into err: {message, code?, stack?}", () => {
    const caught: unknown[] = [
      new Error("boom"),
      Object.assign(new Error("refused"), { code: "ECONNREFUSED" }),
      "a string",
      42,
      null,
      { message: "error-like from another realm", code: 7 },
      Object.create(null),
    ];
    const edge = edgeLines((log) => {
      for (const err of caught) log.error("failed", { err });
      log.error("failed", errorFields(new Error("via errorFields")));
    });
    const agent = agentLines((log) => {
      for (const err of caught) log.error({ err }, "failed");
      // pino's own shorthand: the error as the first argument.
      log.error(new Error("via pino"), "failed");
    });
    const messages = (ls: LogLine[]) => ls.map((l) => [l.err?.message, l.err?.code]);
    const expected = [
      ["boom", undefined],
      ["refused", "ECONNREFUSED"],
      ["a string", undefined],
      ["42", undefined],
      ["null", undefined],
      ["error-like from another realm", "7"],
      ["[object Object]", undefined],
    ];
    expect(messages(edge)).toEqual([...expected, ["via errorFields", undefined]]);
    expect(messages(agent)).toEqual([...expected, ["via pino", undefined]]);
  });

  it("refuses the names each side used before in the shared schema", () => {
    const base = { level: "info", msg: "m", time: new Date().toISOString(), service: "edge" };
    expect(LogLine.safeParse(base).success).toBe(true);
    for (const old of [{ error: "x" }, { errorName: "Error" }, { stack: "…" }, { level: 30 }])
      expect(LogLine.safeParse({ ...base, ...old }).success, JSON.stringify(old)).toBe(false);
  });
});
