import { type ChildProcess, execFileSync, spawn } from "node:child_process";

// Hosts "beyond the node" for egress tests, all on this machine: a network namespace behind a
// veth pair, holding a public-looking address (TEST-NET-3, which nothing on the internet routes)
// and addresses of the ranges an employee must never reach (the cloud metadata address, RFC 1918,
// shared space). The node routes exactly these /32s into the namespace, so no test packet can
// leave the machine, with the egress rules or without them. Each address answers HTTP on port 80
// with "far <address>".

export const FAR_PUBLIC = "203.0.113.10";
export const FAR_PRIVATE = {
  metadata: "169.254.169.254",
  rfc1918_10: "10.203.0.10",
  rfc1918_172: "172.31.203.10",
  rfc1918_192: "192.168.203.10",
  shared_100_64: "100.64.203.10",
} as const;
const HOST_SIDE = "203.0.113.1";

const sh = (cmd: string, ...args: string[]) => execFileSync(cmd, args, { encoding: "utf8" });
const quiet = (cmd: string, ...args: string[]) => {
  try {
    sh(cmd, ...args);
  } catch {
    // already gone
  }
};

export interface FarHosts {
  stop(): void;
}

export async function startFarHosts(tag: string): Promise<FarHosts> {
  const ns = `iwt-far-${tag}`;
  const hostIf = `iwf${tag}h`.slice(0, 15);
  const nsIf = `iwf${tag}n`.slice(0, 15);
  const addresses = [FAR_PUBLIC, ...Object.values(FAR_PRIVATE)];
  const cleanup = () => {
    // Any route to these addresses, whatever its device: a run that died before its cleanup
    // (another tag) leaves its routes, and adding ours would fail with "File exists".
    for (const a of addresses) {
      for (let i = 0; i < 8; i++) {
        try {
          sh("ip", "route", "del", `${a}/32`);
        } catch {
          break;
        }
      }
    }
    quiet("ip", "link", "del", hostIf);
    quiet("ip", "netns", "del", ns);
  };
  cleanup();
  sh("ip", "netns", "add", ns);
  sh("ip", "link", "add", hostIf, "type", "veth", "peer", "name", nsIf);
  sh("ip", "link", "set", nsIf, "netns", ns);
  sh("ip", "addr", "add", `${HOST_SIDE}/32`, "dev", hostIf);
  sh("ip", "link", "set", hostIf, "up");
  const inNs = (...args: string[]) => sh("ip", "netns", "exec", ns, ...args);
  inNs("ip", "link", "set", "lo", "up");
  inNs("ip", "link", "set", nsIf, "up");
  for (const a of addresses) inNs("ip", "addr", "add", `${a}/32`, "dev", nsIf);
  inNs("ip", "route", "add", `${HOST_SIDE}/32`, "dev", nsIf);
  inNs("ip", "route", "add", "default", "via", HOST_SIDE, "dev", nsIf, "onlink");
  for (const a of addresses) sh("ip", "route", "add", `${a}/32`, "dev", hostIf);

  const server: ChildProcess = spawn(
    "ip",
    [
      "netns",
      "exec",
      ns,
      process.execPath,
      "-e",
      `require("node:http").createServer((q, s) => s.end("far " + q.socket.localAddress)).listen(80, "0.0.0.0", () => console.log("ready"))`,
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  await new Promise<void>((resolve, reject) => {
    server.stdout?.on("data", () => resolve());
    server.on("exit", (code) => reject(new Error(`far host server exited (${code})`)));
  });
  return {
    stop() {
      server.kill("SIGKILL");
      cleanup();
    },
  };
}
