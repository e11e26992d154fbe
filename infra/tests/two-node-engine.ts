// A Docker engine of its own for each test "server". Two node agents on one shared engine are not
// two servers: each would see (and report, and sweep as orphans) the other's containers, and a
// container is found by its name, iw-employee-<id>, so an agent asked to restore an employee would
// adopt the other node's live container instead of restoring anything. Each engine here has its
// own data root, exec root, socket, containerd and address pool; the machine's own engine
// (ensure-docker.sh) is left alone and only lends its images.
//
// The engines run without iptables: a dockerd with iptables flushes Docker's shared chains at its
// start, which would cut the machine's engine off. Without them its networks have no NAT (these
// machines have no internet anyway) while the host still reaches every container and each bridge's
// gateway; the agent's own egress chains hook into DOCKER-USER, which the machine's engine keeps.
import { execFile, execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { promisify } from "node:util";
import { sleep } from "./stack.ts";

const run = promisify(execFile);
const ENGINE_READY_TIMEOUT_MS = 60_000;
const ENGINE_STOP_TIMEOUT_MS = 60_000;
const ENGINES_RUN = "/run/iw-e2e-engines";
// Kept between runs: an image loaded once (the employee image takes ~45 s) stays.
const ENGINES_LIB = "/var/lib/iw-e2e-engines";
const MAIN_ENGINE = "unix:///var/run/docker.sock";

export class DockerEngine {
  readonly name: string;
  readonly socket: string;
  private readonly pidFile: string;
  private readonly pool: string;

  /** `pool`: the engine's default address pool, e.g. 10.213.0.0/16 (distinct per engine). */
  constructor(name: string, pool: string) {
    this.name = name;
    this.socket = `${ENGINES_RUN}/${name}.sock`;
    this.pidFile = `${ENGINES_RUN}/${name}.pid`;
    this.pool = pool;
  }

  get host(): string {
    return `unix://${this.socket}`;
  }

  /** The engine's dockerd pid while it runs (read from its own pid file), else null. */
  pid(): number | null {
    if (!existsSync(this.pidFile)) return null;
    const pid = Number(readFileSync(this.pidFile, "utf8").trim());
    const comm = spawnSync("cat", [`/proc/${pid}/comm`], { encoding: "utf8" }).stdout.trim();
    return comm === "dockerd" ? pid : null;
  }

  /** Starts the engine unless it runs already (a run that died may have left it: it is reused). */
  async start(): Promise<void> {
    if (this.pid() !== null && this.answers()) return;
    mkdirSync(`${ENGINES_RUN}/${this.name}`, { recursive: true });
    mkdirSync(`${ENGINES_LIB}/${this.name}`, { recursive: true });
    rmSync(this.pidFile, { force: true });
    // In a session of its own and without the caller's open files, as ensure-docker.sh starts
    // the machine's engine: it must not hold `flock /tmp/iw-heavy.lock` if a run dies.
    execFileSync(
      "setsid",
      [
        "-f",
        "bash",
        "-c",
        'for fd in /proc/$$/fd/*; do n=$(basename "$fd"); [ "$n" -gt 2 ] && eval "exec $n>&-"; done; exec "$@"',
        "_",
        "dockerd",
        "--host",
        this.host,
        "--pidfile",
        this.pidFile,
        "--data-root",
        `${ENGINES_LIB}/${this.name}`,
        "--exec-root",
        `${ENGINES_RUN}/${this.name}`,
        "--bridge",
        "none",
        "--iptables=false",
        "--ip-masq=false",
        "--default-address-pool",
        `base=${this.pool},size=24`,
      ],
      {
        stdio: ["ignore", "ignore", "ignore"],
        env: { ...process.env, PATH: `${process.env.PATH}:/usr/local/sbin:/usr/sbin:/sbin` },
      },
    );
    const deadline = Date.now() + ENGINE_READY_TIMEOUT_MS;
    while (!this.answers()) {
      if (Date.now() > deadline) throw new Error(`docker engine ${this.name} did not come up`);
      await sleep(200);
    }
  }

  /** The server goes down: dockerd stops (its containers with it, as at a shutdown). */
  async stop(): Promise<void> {
    const pid = this.pid();
    if (pid === null) return;
    process.kill(pid, "SIGTERM");
    const deadline = Date.now() + ENGINE_STOP_TIMEOUT_MS;
    while (existsSync(`/proc/${pid}`)) {
      if (Date.now() > deadline) process.kill(pid, "SIGKILL");
      await sleep(100);
    }
  }

  answers(): boolean {
    return spawnSync("docker", ["-H", this.host, "version"], { stdio: "ignore" }).status === 0;
  }

  /** The Docker CLI against this engine (tests check Docker through its own CLI). */
  docker(...args: string[]): string {
    return execFileSync("docker", ["-H", this.host, ...args], { encoding: "utf8" }).trim();
  }

  dockerStatus(...args: string[]): { code: number; out: string } {
    const r = spawnSync("docker", ["-H", this.host, ...args], { encoding: "utf8" });
    return { code: r.status ?? 1, out: `${r.stdout}${r.stderr}`.trim() };
  }

  async dockerAsync(...args: string[]): Promise<string> {
    return (await run("docker", ["-H", this.host, ...args], { encoding: "utf8" })).stdout.trim();
  }

  /** Copies an image from the machine's engine unless this engine has the same image id. */
  ensureImage(image: string): void {
    const want = execFileSync(
      "docker",
      ["-H", MAIN_ENGINE, "image", "inspect", "-f", "{{.Id}}", image],
      {
        encoding: "utf8",
      },
    ).trim();
    const have = this.dockerStatus("image", "inspect", "-f", "{{.Id}}", image);
    if (have.code === 0 && have.out === want) return;
    execFileSync(
      "bash",
      [
        "-c",
        'docker -H "$1" save "$3" | docker -H "$2" load -q',
        "_",
        MAIN_ENGINE,
        this.host,
        image,
      ],
      { stdio: ["ignore", "ignore", "inherit"] },
    );
  }

  /** Every container and volume of this engine: they are all a test's (also after a crash). */
  removeEverything(): void {
    const ids = this.docker("ps", "-a", "-q");
    if (ids) this.dockerStatus("rm", "-f", ...ids.split("\n"));
    const volumes = this.docker("volume", "ls", "-q");
    if (volumes) this.dockerStatus("volume", "rm", "-f", ...volumes.split("\n"));
    this.dockerStatus("network", "prune", "-f");
  }
}
