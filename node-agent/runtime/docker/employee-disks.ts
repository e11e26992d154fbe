import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import {
  mkdir,
  open,
  readdir,
  readFile,
  realpath,
  rename,
  rm,
  rmdir,
  stat,
} from "node:fs/promises";
import path from "node:path";
import { promisify } from "node:util";

// Each employee's writable storage is a file system of its own: a sparse ext4 image under the
// agent's state folder, loop-mounted on the node and bind-mounted into the container at /data.
// A write past its size fails inside with ENOSPC, and the node's disk holds only what the
// employee really wrote. This needs no quota support from the node's file system (the project's
// kernels lack XFS/ext4 project quotas), only loop devices, util-linux's mount and e2fsprogs, and
// the agent running as root in the node's own mount namespace (where dockerd sees the mount).

const run = promisify(execFile);

export const DISK_TOOL_TIMEOUT_MS = 60_000;
/** Size of the image the agent formats and mounts once to learn whether disks work here. */
export const PROBE_BYTES = 16 * 1024 * 1024;
const IMAGE_SUFFIX = ".ext4";
const PARTIAL_SUFFIX = ".partial";
const PROBE_PREFIX = ".probe-";
// The employee's uid inside every container (container-config.ts runs it as 1000:1000).
const OWNER = "1000:1000";
// nodev, nosuid: nothing planted in the file system can become a device or a privilege.
// discard: space the employee frees goes back to the node (holes punched in the sparse file).
const MOUNT_OPTIONS = "loop,nodev,nosuid,discard";
const EMPLOYEE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

export class DiskError extends Error {}

export interface DiskPaths {
  image: string;
  mountpoint: string;
}

export class EmployeeDisks {
  readonly root: string;
  private readonly bytes: number;

  constructor(root: string, bytes: number) {
    this.root = path.resolve(root);
    this.bytes = bytes;
  }

  paths(employeeId: string): DiskPaths {
    if (!EMPLOYEE_ID.test(employeeId)) throw new DiskError(`not an employee id: ${employeeId}`);
    return {
      image: path.join(this.root, `${employeeId}${IMAGE_SUFFIX}`),
      mountpoint: path.join(this.root, employeeId),
    };
  }

  /** Why disks cannot be made here, or null when they can: formats and mounts a small one. */
  async probe(): Promise<string | null> {
    const name = `${PROBE_PREFIX}${randomUUID().slice(0, 8)}`;
    const image = path.join(this.root, `${name}${IMAGE_SUFFIX}`);
    const mountpoint = path.join(this.root, name);
    try {
      await this.makeRoot();
      await this.format(image, PROBE_BYTES);
      await mkdir(mountpoint, { mode: 0o755 });
      await this.mountImage(image, mountpoint);
      await this.unmount(mountpoint);
      return null;
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    } finally {
      await this.unmount(mountpoint).catch(() => undefined);
      await rm(mountpoint, { recursive: true, force: true }).catch(() => undefined);
      await rm(image, { force: true }).catch(() => undefined);
    }
  }

  /** The employee's disk, made and mounted if it is not; empty says it holds nothing yet. */
  async ensure(employeeId: string): Promise<{ source: string; empty: boolean }> {
    const { image, mountpoint } = this.paths(employeeId);
    await this.makeRoot();
    const made = !(await exists(image));
    if (made) {
      // Formatted under another name and renamed: a crash never leaves a half-made disk.
      const partial = `${image}${PARTIAL_SUFFIX}`;
      await rm(partial, { force: true });
      await this.format(partial, this.bytes);
      await rename(partial, image);
    }
    await this.mount(employeeId);
    // mkfs leaves lost+found: the employee's /data starts as it always did (fsck makes it again).
    if (made) await rmdir(path.join(mountpoint, "lost+found")).catch(() => undefined);
    return { source: mountpoint, empty: (await readdir(mountpoint)).length === 0 };
  }

  /** Mounts the employee's disk if it has one: "none", "mounted" (just now) or "already". */
  async mount(employeeId: string): Promise<"none" | "mounted" | "already"> {
    const { image, mountpoint } = this.paths(employeeId);
    if (!(await exists(image))) return "none";
    if (await isMounted(mountpoint)) return "already";
    // Root's, 0755: a container started while its disk is not mounted cannot write to the node's
    // disk through the bare folder (its uid is 1000).
    await mkdir(mountpoint, { recursive: true, mode: 0o755 });
    await this.mountImage(image, mountpoint);
    return "mounted";
  }

  /** Unmounts and deletes the employee's disk, with everything on it. */
  async remove(employeeId: string): Promise<void> {
    const { image, mountpoint } = this.paths(employeeId);
    if (await isMounted(mountpoint)) await this.unmount(mountpoint);
    // Only once nothing is mounted there: what is left in the folder is the node's own.
    if (await isMounted(mountpoint))
      throw new DiskError(`${mountpoint} is still mounted; the disk was kept`);
    await rm(mountpoint, { recursive: true, force: true });
    await rm(image, { force: true });
  }

  /** Employees that have a disk here, with when it was made. */
  async list(): Promise<{ employeeId: string; createdMs: number }[]> {
    const names = await readdir(this.root).catch(() => [] as string[]);
    const out: { employeeId: string; createdMs: number }[] = [];
    for (const name of names) {
      if (!name.endsWith(IMAGE_SUFFIX) || name.startsWith(PROBE_PREFIX)) continue;
      const employeeId = name.slice(0, -IMAGE_SUFFIX.length);
      if (!EMPLOYEE_ID.test(employeeId)) continue;
      const s = await stat(path.join(this.root, name)).catch(() => null);
      if (s) out.push({ employeeId, createdMs: s.birthtimeMs || s.mtimeMs });
    }
    return out;
  }

  // ---- parts, also used by a restore's staging disks (restore-disks.ts) ----

  /** The size every employee's disk is made with. */
  get diskBytes(): number {
    return this.bytes;
  }

  async makeRoot(): Promise<void> {
    await mkdir(this.root, { recursive: true, mode: 0o700 });
  }

  async format(image: string, bytes: number): Promise<void> {
    const file = await open(image, "wx", 0o600);
    try {
      await file.truncate(bytes); // sparse: blocks are taken only as the employee writes
    } finally {
      await file.close();
    }
    // -m 0: the employee is not root, so blocks reserved for root would only shrink its quota.
    await tool("mkfs.ext4", ["-q", "-F", "-m", "0", "-E", `root_owner=${OWNER}`, image]);
  }

  async mountImage(image: string, mountpoint: string): Promise<void> {
    await tool("mount", ["-t", "ext4", "-o", MOUNT_OPTIONS, image, mountpoint]);
  }

  // util-linux's mount set the loop device to detach itself when the file system is unmounted.
  // A lazy unmount when something still holds it: it is gone from the node's tree at once.
  async unmount(mountpoint: string): Promise<void> {
    if (!(await isMounted(mountpoint))) return;
    await tool("umount", [mountpoint]).catch(() => tool("umount", ["-l", mountpoint]));
  }
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    (err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") return false;
      throw err;
    },
  );
}

// /proc/self/mounts escapes space, tab, newline and backslash in octal.
const unescapeMountPath = (p: string) =>
  p.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(Number.parseInt(oct, 8)));

export async function isMounted(mountpoint: string): Promise<boolean> {
  // The table names real paths: the state folder may sit behind a symbolic link.
  const target = await realpath(mountpoint).catch((err: NodeJS.ErrnoException) => {
    if (err.code === "ENOENT") return null;
    throw err;
  });
  if (target === null) return false;
  const table = await readFile("/proc/self/mounts", "utf8");
  return table.split("\n").some((line) => unescapeMountPath(line.split(" ")[1] ?? "") === target);
}

async function tool(cmd: string, args: string[]): Promise<void> {
  try {
    await run(cmd, args, { timeout: DISK_TOOL_TIMEOUT_MS, env: toolEnv() });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    const said = (e.stderr ?? "").trim().split("\n").slice(-2).join(" ");
    throw new DiskError(
      e.code === "ENOENT"
        ? `${cmd} is not installed (util-linux and e2fsprogs are needed)`
        : `${cmd} failed: ${said || e.message}`.slice(0, 400),
    );
  }
}

// mkfs lives in /usr/sbin, which a service's PATH may lack; mount and umount in /usr/bin.
const toolEnv = () => ({
  ...process.env,
  PATH: `${process.env.PATH ?? ""}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
  LC_ALL: "C",
});
