import type Docker from "dockerode";
import { backoffDelay } from "../../../edge/protocol/backoff.ts";
import type { Instance, InstanceState } from "../../../edge/protocol/frames.ts";
import type { Logger } from "../../logger.ts";
import type { RuntimeEvent } from "../employee-runtime.ts";
import { LABEL_EMPLOYEE, LABEL_MANAGED } from "./container-config.ts";
import { EventLines } from "./event-lines.ts";

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
    const lines = new EventLines(
      (line) => {
        try {
          const event = toRuntimeEvent(line);
          if (event) onEvent(event);
        } catch (err) {
          log.error({ err: String(err) }, "a docker event could not be handled");
        }
      },
      () => log.warn("dropped a docker event line longer than any event"),
    );
    stream.on("data", (chunk: Buffer) => lines.push(chunk));
    stream.on("error", (err) => retry(err));
    stream.on("end", () => retry(new Error("docker events stream ended")));
  };
  const retry = (err: unknown) => {
    if (stopped) return;
    attempt++;
    const delay = backoffDelay(attempt, {
      baseMs: EVENTS_RETRY_BASE_MS,
      maxMs: EVENTS_RETRY_MAX_MS,
    });
    log.warn({ err, delayMs: delay }, "docker events stream lost; reconnecting");
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
  // Anything but the shape Docker sends (null, arrays, numbers where strings go) is not an event.
  if (!e || typeof e !== "object") return null;
  const employeeId = e.Actor?.Attributes?.[LABEL_EMPLOYEE];
  const containerId = typeof e.Actor?.ID === "string" ? e.Actor.ID : null;
  if (typeof employeeId !== "string" || !/^[A-Za-z0-9_-]{1,64}$/.test(employeeId)) return null;
  if (typeof e.Action !== "string") return null;
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
