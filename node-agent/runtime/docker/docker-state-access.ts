import { PassThrough } from "node:stream";
import type Docker from "dockerode";
import {
  type ExecOptions,
  type ExecResult,
  RuntimeError,
  type StateSource,
} from "../employee-runtime.ts";
import { DATA_DIR } from "./container-config.ts";
import { statusOf, wrap } from "./docker-errors.ts";
import type { EmployeeDisks } from "./employee-disks.ts";

// What a snapshot needs of Docker (issue 16): where the employee's /data is on the host, a command
// run inside it (OpenClaw's own backup), and pause/unpause for a crash-consistent copy of files a
// running process keeps open (Chromium's profile). DockerRuntime delegates here.

/** What an exec printed, kept for the log and the error (the container writes it: bounded). */
export const EXEC_OUTPUT_MAX_CHARS = 4000;
const EXEC_POLL_MS = 100;

export async function stateSource(
  container: Docker.Container,
  disks: EmployeeDisks,
  employeeId: string,
): Promise<StateSource | null> {
  let info: Docker.ContainerInspectInfo;
  try {
    info = await container.inspect();
  } catch (err) {
    if (statusOf(err) === 404) return null;
    throw wrap(err, "inspect_failed");
  }
  const data = info.Mounts.find((m) => m.Destination === DATA_DIR);
  if (!data?.Source) return null;
  // The bind of an employee's own disk: reading its mount point while the disk is not mounted
  // would read the node's empty folder, and a snapshot of nothing would be a loss, not a backup.
  if (data.Type === "bind" && data.Source === disks.paths(employeeId).mountpoint) {
    const mounted = await disks.mount(employeeId).catch((err: unknown) => {
      throw new RuntimeError("disk_failed", `the employee's disk: ${String(err)}`, true);
    });
    if (mounted === "none")
      throw new RuntimeError("disk_missing", "the employee's disk is missing on this node", false);
  }
  return {
    dataPath: data.Source,
    running: info.State.Running && !info.State.Paused,
    image: `${info.Config.Image}@${info.Image}`.slice(0, 300),
  };
}

export async function execIn(
  container: Docker.Container,
  argv: readonly string[],
  opts: ExecOptions,
): Promise<ExecResult> {
  let exec: Docker.Exec;
  let stream: NodeJS.ReadWriteStream;
  try {
    exec = await container.exec({
      Cmd: [...argv],
      Env: Object.entries(opts.env ?? {}).map(([k, v]) => `${k}=${v}`),
      AttachStdout: true,
      AttachStderr: true,
    });
    stream = (await exec.start({ hijack: true, stdin: false })) as NodeJS.ReadWriteStream;
  } catch (err) {
    if (statusOf(err) === 404 || statusOf(err) === 409)
      throw new RuntimeError("not_running", "the employee is not running", true);
    throw wrap(err, "exec_failed");
  }
  let output = "";
  const keep = new PassThrough();
  keep.on("data", (piece: Buffer) => {
    output = (output + piece.toString("utf8")).slice(-EXEC_OUTPUT_MAX_CHARS);
  });
  container.modem.demuxStream(stream, keep, keep);
  const deadline = Date.now() + opts.timeoutMs;
  const ended = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), opts.timeoutMs);
    const done = () => {
      clearTimeout(timer);
      resolve(true);
    };
    stream.on("end", done);
    stream.on("close", done);
    stream.on("error", done);
  });
  if (!ended) {
    // Docker cannot end an exec; the stream is let go, and the process inside finishes alone.
    (stream as unknown as { destroy?: () => void }).destroy?.();
    return { exitCode: null, output };
  }
  // The output can end before the engine has recorded the exit.
  let state = await exec.inspect();
  while (state.Running && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, EXEC_POLL_MS));
    state = await exec.inspect();
  }
  return { exitCode: state.Running ? null : state.ExitCode, output };
}

export async function pauseContainer(container: Docker.Container): Promise<void> {
  try {
    await container.pause();
  } catch (err) {
    if (statusOf(err) === 404 || statusOf(err) === 409)
      throw new RuntimeError("not_running", "the employee is not running", true);
    throw wrap(err, "pause_failed");
  }
}

export async function unpauseContainer(container: Docker.Container): Promise<void> {
  try {
    await container.unpause();
  } catch (err) {
    // Not paused, or gone: nothing to let go (Docker 20.10 says "is not paused" with a 500).
    if (statusOf(err) === 404 || statusOf(err) === 409) return;
    if (/is not paused/.test(err instanceof Error ? err.message : String(err))) return;
    throw wrap(err, "unpause_failed");
  }
}
