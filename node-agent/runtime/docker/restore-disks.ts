import { mkdir, rename, rm, rmdir, stat } from "node:fs/promises";
import path from "node:path";
import type Docker from "dockerode";
import { RuntimeError } from "../employee-runtime.ts";
import type { RestoreStates } from "../restore-states.ts";
import { readTar } from "../tar.ts";
import { LABEL_EMPLOYEE, LABEL_MANAGED, volumeName } from "./container-config.ts";
import { statusOf, wrap } from "./docker-errors.ts";
import { type EmployeeDisks, isMounted } from "./employee-disks.ts";

// A restore's states on Docker (see ../restore-states.ts).
// - Disks (production): the staged state is a second ext4 image, <id>.staging.ext4, mounted on
//   <id>.staging while it is written. The swap unmounts both, renames the live image to
//   <id>.previous.ext4 and the staged one to <id>.ext4, and mounts it where the container's bind
//   mount expects /data (the same folder: the container is not recreated). Names with a dot are
//   no employee id, so EmployeeDisks.list and the orphan sweep never take them for one.
// - Docker volumes (EMPLOYEE_DISK_QUOTA=off, development): the staged state is a second volume;
//   the swap renames the local driver's _data folders (the agent is root on the node), so the
//   container keeps its volume by name. Other volume drivers cannot be restored into.
const STAGING = ".staging";
const PREVIOUS = ".previous";
const IMAGE = ".ext4";
const VOLUME_STAGING = "-staging";
const VOLUME_DATA = "_data";
const VOLUME_PREVIOUS = "_previous";
const OPENCLAW_PACKAGE = "/usr/local/lib/node_modules/openclaw/package.json";

export class DockerRestoreStates implements RestoreStates {
  private readonly docker: Docker;
  private readonly disks: EmployeeDisks;
  private readonly image: string;
  private readonly usesDisks: () => Promise<boolean>;
  private readonly versions = new Map<string, Promise<string | null>>();

  constructor(
    docker: Docker,
    disks: EmployeeDisks,
    image: string,
    usesDisks: () => Promise<boolean>,
  ) {
    this.docker = docker;
    this.disks = disks;
    this.image = image;
    this.usesDisks = usesDisks;
  }

  async exists(employeeId: string): Promise<boolean> {
    return (await this.kind(employeeId)) !== null;
  }

  async recover(employeeId: string): Promise<void> {
    const d = this.diskPaths(employeeId);
    if (!(await exists(d.image)) && (await exists(d.previous))) await rename(d.previous, d.image);
    const live = await this.volumePath(volumeName(employeeId));
    const staging = await this.volumePath(volumeName(employeeId) + VOLUME_STAGING);
    if (
      live &&
      staging &&
      !(await exists(path.join(live, VOLUME_DATA))) &&
      (await exists(path.join(staging, VOLUME_PREVIOUS)))
    )
      await rename(path.join(staging, VOLUME_PREVIOUS), path.join(live, VOLUME_DATA));
    await this.discard(employeeId);
  }

  async stage(employeeId: string): Promise<{ root: string }> {
    await this.discard(employeeId);
    const kind = (await this.kind(employeeId)) ?? ((await this.usesDisks()) ? "disk" : "volume");
    if (kind === "volume") {
      const staging = await this.volume(volumeName(employeeId) + VOLUME_STAGING, employeeId);
      return { root: path.join(staging, VOLUME_DATA) };
    }
    const d = this.diskPaths(employeeId);
    await this.disks.makeRoot();
    await rm(d.stagingImage, { force: true });
    await this.disks.format(d.stagingImage, this.disks.diskBytes);
    await mkdir(d.stagingMount, { recursive: true, mode: 0o755 });
    await this.disks.mountImage(d.stagingImage, d.stagingMount);
    // mkfs leaves lost+found; a fresh employee's /data never had one.
    await rmdir(path.join(d.stagingMount, "lost+found")).catch(() => undefined);
    return { root: d.stagingMount };
  }

  async discard(employeeId: string): Promise<void> {
    const d = this.diskPaths(employeeId);
    await this.disks.unmount(d.stagingMount);
    if (await isMounted(d.stagingMount))
      throw new RuntimeError("disk_failed", `${d.stagingMount} is still mounted`, true);
    await rm(d.stagingMount, { recursive: true, force: true });
    await rm(d.stagingImage, { force: true });
    await this.docker
      .getVolume(volumeName(employeeId) + VOLUME_STAGING)
      .remove()
      .catch((err: unknown) => {
        if (statusOf(err) !== 404) throw wrap(err, "volume_failed");
      });
  }

  async swapIn(employeeId: string): Promise<void> {
    const d = this.diskPaths(employeeId);
    if (await exists(d.stagingImage)) {
      await this.disks.unmount(d.stagingMount);
      await rm(d.stagingMount, { recursive: true, force: true });
      await this.unmountLive(employeeId);
      await rm(d.previous, { force: true });
      if (await exists(d.image)) await rename(d.image, d.previous);
      await rename(d.stagingImage, d.image);
      await this.disks.mount(employeeId);
      return;
    }
    const staging = await this.volume(volumeName(employeeId) + VOLUME_STAGING, employeeId);
    const live = await this.volume(volumeName(employeeId), employeeId);
    await rm(path.join(staging, VOLUME_PREVIOUS), { recursive: true, force: true });
    await rename(path.join(live, VOLUME_DATA), path.join(staging, VOLUME_PREVIOUS));
    await rename(path.join(staging, VOLUME_DATA), path.join(live, VOLUME_DATA));
  }

  // Only what swapIn moved aside is put back: without it, the live state is left as it is.
  async swapBack(employeeId: string): Promise<void> {
    const d = this.diskPaths(employeeId);
    if (await exists(d.previous)) {
      await this.unmountLive(employeeId);
      await rm(d.image, { force: true });
      await rename(d.previous, d.image);
      await this.disks.mount(employeeId);
      return;
    }
    const staging = await this.volumePath(volumeName(employeeId) + VOLUME_STAGING);
    const live = await this.volumePath(volumeName(employeeId));
    if (!staging || !live || !(await exists(path.join(staging, VOLUME_PREVIOUS)))) return;
    await rm(path.join(live, VOLUME_DATA), { recursive: true, force: true });
    await rename(path.join(staging, VOLUME_PREVIOUS), path.join(live, VOLUME_DATA));
  }

  async commit(employeeId: string): Promise<void> {
    await rm(this.diskPaths(employeeId).previous, { force: true });
    await this.discard(employeeId);
  }

  /** The image's OpenClaw, read from its package.json by a helper container that never starts. */
  openclawVersion(): Promise<string | null> {
    let known = this.versions.get(this.image);
    if (!known) {
      known = this.readVersion().catch(() => null);
      this.versions.set(this.image, known);
    }
    return known;
  }

  // ---- internals ----

  private diskPaths(employeeId: string) {
    const { image, mountpoint } = this.disks.paths(employeeId);
    const base = path.join(this.disks.root, employeeId);
    return {
      image,
      mountpoint,
      previous: `${base}${PREVIOUS}${IMAGE}`,
      stagingImage: `${base}${STAGING}${IMAGE}`,
      stagingMount: `${base}${STAGING}`,
    };
  }

  private async kind(employeeId: string): Promise<"disk" | "volume" | null> {
    if (await exists(this.diskPaths(employeeId).image)) return "disk";
    return (await this.volumePath(volumeName(employeeId))) ? "volume" : null;
  }

  private async unmountLive(employeeId: string): Promise<void> {
    const { mountpoint } = this.diskPaths(employeeId);
    await this.disks.unmount(mountpoint);
    if (await isMounted(mountpoint))
      throw new RuntimeError("disk_failed", `${mountpoint} is still mounted`, true);
  }

  /** The volume's folder on this node (made if missing), or unsupported. */
  private async volume(name: string, employeeId: string): Promise<string> {
    const known = await this.volumePath(name);
    if (known) return known;
    try {
      await this.docker.createVolume({
        Name: name,
        Driver: "local",
        Labels: { [LABEL_MANAGED]: "true", [LABEL_EMPLOYEE]: employeeId },
      });
    } catch (err) {
      throw wrap(err, "volume_failed");
    }
    const made = await this.volumePath(name);
    if (!made)
      throw new RuntimeError("unsupported", "this server cannot restore into its volumes", false);
    return made;
  }

  // A local volume without options is a folder whose _data the agent can rename (it may be
  // missing in the middle of a swap); null otherwise.
  private async volumePath(name: string): Promise<string | null> {
    let info: Docker.VolumeInspectInfo;
    try {
      info = await this.docker.getVolume(name).inspect();
    } catch (err) {
      if (statusOf(err) === 404) return null;
      throw wrap(err, "volume_failed");
    }
    const options = (info.Options ?? {}) as Record<string, unknown>;
    if (info.Driver !== "local" || Object.keys(options).length > 0) return null;
    const dir = path.dirname(info.Mountpoint);
    return path.basename(info.Mountpoint) === VOLUME_DATA && (await exists(dir)) ? dir : null;
  }

  private async readVersion(): Promise<string | null> {
    const helper = await this.docker.createContainer({
      Image: this.image,
      Labels: { [LABEL_MANAGED]: "version-probe" },
      NetworkDisabled: true,
      HostConfig: { NetworkMode: "none" },
    });
    try {
      const archive = (await helper.getArchive({
        path: OPENCLAW_PACKAGE,
      })) as NodeJS.ReadableStream;
      const { entries } = await readTar(archive, {
        maxEntries: 1,
        maxArchiveBytes: 1024 * 1024,
        maxFileBytes: 256 * 1024,
      });
      const pkg = JSON.parse(entries[0]?.content.toString("utf8") ?? "{}") as { version?: unknown };
      return typeof pkg.version === "string" ? pkg.version : null;
    } catch (err) {
      if (statusOf(err) === 404) return null; // no OpenClaw in this image (the test image)
      throw err;
    } finally {
      await helper.remove({ force: true }).catch(() => undefined);
    }
  }
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    (err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") return false;
      throw err;
    },
  );
}
