import { PassThrough } from "node:stream";
import type Docker from "dockerode";
import { RuntimeError } from "../employee-runtime.ts";
import {
  ArchivePathError,
  DEFAULT_READ_LIMITS,
  packTar,
  type ReadLimits,
  type ReadResult,
  readTar,
  type TarEntry,
} from "../tar.ts";
import { DATA_DIR, LABEL_MANAGED } from "./container-config.ts";
import { statusOf, wrap } from "./docker-errors.ts";

// An employee's volume through Docker's archive API: it works on created, running and stopped
// containers alike and needs no shell in the image. Paths are relative to the volume (/data).

export async function writeFiles(
  container: Docker.Container,
  entries: readonly TarEntry[],
): Promise<void> {
  let archive: NodeJS.ReadableStream;
  try {
    archive = packTar(entries);
  } catch (err) {
    if (err instanceof ArchivePathError) throw new RuntimeError("invalid_path", err.message, false);
    throw err;
  }
  try {
    await container.putArchive(archive, { path: DATA_DIR });
  } catch (err) {
    if (statusOf(err) === 404)
      throw new RuntimeError("container_missing", "there is no container for this employee", true);
    throw wrap(err, "write_failed");
  }
}

// The container decides what is at relPath, so the archive is read within limits and streamed,
// never buffered whole.
export async function readFiles(
  container: Docker.Container,
  relPath: string,
  limits: ReadLimits = DEFAULT_READ_LIMITS,
): Promise<ReadResult> {
  let stream: NodeJS.ReadableStream;
  try {
    stream = (await container.getArchive({
      path: `${DATA_DIR}/${relPath}`,
    })) as NodeJS.ReadableStream;
  } catch (err) {
    if (statusOf(err) === 404) return { entries: [], truncated: false }; // no container or path
    throw wrap(err, "read_failed");
  }
  try {
    return await readTar(stream, limits);
  } catch (err) {
    throw wrap(err, "read_failed");
  }
}

/** The raw archive of a folder of the volume (see EmployeeRuntime.archive). */
export async function archiveFolder(
  container: Docker.Container,
  relPath: string,
): Promise<NodeJS.ReadableStream | null> {
  try {
    return (await container.getArchive({
      path: `${DATA_DIR}/${relPath}`,
    })) as NodeJS.ReadableStream;
  } catch (err) {
    if (statusOf(err) === 404) return null; // no container or no such folder
    throw wrap(err, "read_failed");
  }
}

const REMOVE_ERROR_CHARS = 300;
export const EXEC_EXIT_WAIT_MS = 10_000;
const EXEC_EXIT_POLL_MS = 50;

// Deleting needs the container running (there is no "delete" in the archive API).
export async function removeFiles(
  container: Docker.Container,
  relPaths: readonly string[],
): Promise<void> {
  const exec = await container.exec({
    // Through the shell: an image may have rm only as a shell applet (busybox), not on the PATH.
    // The paths are arguments, never part of the script.
    Cmd: ["sh", "-c", 'exec rm -f -- "$@"', "rm", ...relPaths.map((p) => `${DATA_DIR}/${p}`)],
    User: "1000:1000",
    AttachStdout: true,
    AttachStderr: true,
  });
  const stream = await exec.start({ hijack: true, stdin: false });
  // What rm says, kept to a line or two for the log (the container writes it: bounded).
  let said = "";
  const errors = new PassThrough();
  errors.on("data", (chunk: Buffer) => {
    if (said.length < REMOVE_ERROR_CHARS) said += chunk.toString("utf8");
  });
  container.modem.demuxStream(stream, new PassThrough().resume(), errors);
  await new Promise<void>((resolve) => {
    stream.on("end", resolve);
    stream.on("close", resolve);
  });
  // The output can end before the engine has recorded the exit (ExitCode still null).
  let done = await exec.inspect();
  const deadline = Date.now() + EXEC_EXIT_WAIT_MS;
  while (done.Running && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, EXEC_EXIT_POLL_MS));
    done = await exec.inspect();
  }
  if (done.ExitCode !== 0)
    throw new RuntimeError(
      "delete_failed",
      `could not delete files (exit code ${done.ExitCode}): ${said.trim().slice(0, REMOVE_ERROR_CHARS)}`,
      true,
    );
}

const SEED_LABEL = "seed";
// Where the helper sees the new disk: a path the image does not have.
const SEED_TARGET = "/iw-new-disk";

// Copies the image's /data (its folders, owned by the employee) onto a new, empty disk: what
// Docker does by itself for a new volume. A helper container made from the image, never started,
// has the disk bound beside its own /data; the archive API reads the one and writes the other.
export async function seedFromImage(
  docker: Docker,
  image: string,
  diskSource: string,
  name: string,
): Promise<void> {
  await docker
    .getContainer(name)
    .remove({ force: true })
    .catch((err: unknown) => {
      if (statusOf(err) !== 404) throw wrap(err, "seed_failed");
    });
  try {
    const helper = await docker.createContainer({
      name,
      Image: image,
      Labels: { [LABEL_MANAGED]: SEED_LABEL },
      NetworkDisabled: true,
      HostConfig: {
        NetworkMode: "none",
        Mounts: [{ Type: "bind", Source: diskSource, Target: SEED_TARGET, ReadOnly: false }],
      },
    });
    try {
      // "/data/." is the folder's content without the folder's own name, as `docker cp` reads it.
      const archive = (await helper.getArchive({ path: `${DATA_DIR}/.` })) as NodeJS.ReadableStream;
      await helper.putArchive(archive, { path: SEED_TARGET });
    } finally {
      await helper.remove({ force: true }).catch(() => undefined);
    }
  } catch (err) {
    throw wrap(err, "seed_failed");
  }
}
