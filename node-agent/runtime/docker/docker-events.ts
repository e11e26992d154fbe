import type Docker from "dockerode";
import type { Instance, InstanceState } from "../../../edge/protocol/frames.ts";
import type { Logger } from "../../logger.ts";
import type { RuntimeEvent } from "../employee-runtime.ts";
import { LABEL_EMPLOYEE, LABEL_MANAGED } from "./container-config.ts";

export const EVENTS_RETRY_BASE_MS = 500;
export const EVENTS_RETRY_MAX_MS = 10_000;

// Docker's events stream for our containers, turned into runtime events. When the stream is lost
// (the engine restarts), it is re-established with backoff and the current state of every
// container is reported, since events were missed meanwhile.
export function watchContainers(
  docker: Docker,
  inventory: () => Promise<Instance[]>,
  log: Logger,
  onEvent: (e: RuntimeEvent) => void,
): () => void {
  let stopped = false;
  let stream: NodeJS.ReadableStream | undefined;
  let attempt = 0;
  const connect = async () => {
    if (stopped) return;
    try {
      stream = (await docker.getEvents({
        filters: { type: ["container"], label: [`${LABEL_MANAGED}=true`] },
      })) as NodeJS.ReadableStream;
    } catch (err) {
      return retry(err);
    }
    if (attempt > 0) {
      log.info("docker events stream re-established; reporting current states");
      for (const i of await inventory().catch(() => [])) {
        if (i.state === "stopped")
          onEvent({
            type: "stopped",
            employeeId: i.employeeId,
            containerId: i.containerId,
            exitCode: null,
          });
        else if (i.state === "running" || i.state === "unhealthy") {
          onEvent({
            type: "health",
            employeeId: i.employeeId,
            containerId: i.containerId,
            health: i.state === "running" ? "healthy" : "unhealthy",
          });
        }
      }
    }
    attempt = 0;
    let buffered = "";
    stream.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      let newline = buffered.indexOf("\n");
      while (newline >= 0) {
        const line = buffered.slice(0, newline).trim();
        buffered = buffered.slice(newline + 1);
        newline = buffered.indexOf("\n");
        if (!line) continue;
        const event = toRuntimeEvent(line);
        if (event) onEvent(event);
      }
    });
    stream.on("error", (err) => retry(err));
    stream.on("end", () => retry(new Error("docker events stream ended")));
  };
  const retry = (err: unknown) => {
    if (stopped) return;
    attempt++;
    const delay = Math.min(EVENTS_RETRY_MAX_MS, EVENTS_RETRY_BASE_MS * 2 ** (attempt - 1));
    log.warn({ err: String(err), delayMs: delay }, "docker events stream lost; reconnecting");
    stream?.removeAllListeners();
    setTimeout(connect, delay);
  };
  void connect();
  return () => {
    stopped = true;
    stream?.removeAllListeners();
    (stream as unknown as { destroy?: () => void })?.destroy?.();
  };
}

export function stateFromList(state: string, status: string): InstanceState {
  if (state === "running") {
    if (status.includes("(unhealthy)")) return "unhealthy";
    if (status.includes("(health: starting)")) return "starting";
    return "running";
  }
  if (state === "created") return "created";
  if (state === "restarting") return "starting";
  return "stopped";
}

export function stateFromInspect(info: Docker.ContainerInspectInfo): InstanceState {
  if (info.State.Running) {
    const health = info.State.Health?.Status;
    if (health === "unhealthy") return "unhealthy";
    if (health === "starting") return "starting";
    return "running";
  }
  if (info.State.Status === "created") return "created";
  return "stopped";
}

interface DockerEventLine {
  Action?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
}

export function toRuntimeEvent(line: string): RuntimeEvent | null {
  let e: DockerEventLine;
  try {
    e = JSON.parse(line) as DockerEventLine;
  } catch {
    return null;
  }
  const employeeId = e.Actor?.Attributes?.[LABEL_EMPLOYEE];
  const containerId = e.Actor?.ID ?? null;
  if (!employeeId || !e.Action) return null;
  switch (e.Action) {
    case "create":
      return { type: "created", employeeId, containerId };
    case "start":
      return { type: "started", employeeId, containerId };
    case "die": {
      const code = Number(e.Actor?.Attributes?.exitCode);
      return {
        type: "stopped",
        employeeId,
        containerId,
        exitCode: Number.isFinite(code) ? code : null,
      };
    }
    case "destroy":
      return { type: "removed", employeeId, containerId };
    case "health_status: healthy":
      return { type: "health", employeeId, containerId, health: "healthy" };
    case "health_status: unhealthy":
      return { type: "health", employeeId, containerId, health: "unhealthy" };
    default:
      return null;
  }
}
