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
import { DATA_DIR } from "./container-config.ts";
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

// Deleting needs the container running (there is no "delete" in the archive API).
export async function removeFiles(
  container: Docker.Container,
  relPaths: readonly string[],
): Promise<void> {
  const exec = await container.exec({
    Cmd: ["rm", "-f", "--", ...relPaths.map((p) => `${DATA_DIR}/${p}`)],
    User: "1000:1000",
    AttachStdout: true,
    AttachStderr: true,
  });
  const stream = await exec.start({ hijack: true, stdin: false });
  await new Promise<void>((resolve) => {
    stream.on("end", resolve);
    stream.on("close", resolve);
    stream.resume();
  });
  const done = await exec.inspect();
  if (done.ExitCode !== 0) throw new RuntimeError("delete_failed", "could not delete files", true);
}
