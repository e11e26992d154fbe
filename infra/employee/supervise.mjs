// The employee container's small init (PID 1's child; Docker's own init reaps zombies). It runs
// the display, the VNC view of it, the browser and OpenClaw's gateway, restarts whichever exits
// with a growing pause, and on SIGTERM stops them all in reverse order so the gateway can flush
// its state before Docker's stop timeout.
//
// Plain JavaScript on purpose: it runs inside the image on the image's Node, with no build step.
import { spawn } from "node:child_process";
import { mkdirSync } from "node:fs";

const DISPLAY = process.env.DISPLAY ?? ":99";
const SCREEN = process.env.EMPLOYEE_SCREEN ?? "1280x800x24";
const BROWSER_PROFILE = "/data/browser";
// OpenClaw attaches to this browser over CDP (browser.attachOnly in openclaw.json).
const CDP_PORT = 18800;
const RESTART_MIN_MS = 1_000;
const RESTART_MAX_MS = 30_000;
// A child that ran this long before exiting counts as healthy: its next restart starts over.
const STABLE_AFTER_MS = 60_000;
const STOP_GRACE_MS = 8_000;

const [width, height] = SCREEN.split("x");

/** @type {{ name: string, cmd: string, args: string[], after?: number }[]} */
const services = [
  { name: "xvfb", cmd: "Xvfb", args: [DISPLAY, "-screen", "0", SCREEN, "-nolisten", "tcp"] },
  {
    // VNC only on the container's loopback: the outside reaches it through websockify alone.
    name: "vnc",
    cmd: "x11vnc",
    args: ["-display", DISPLAY, "-rfbport", "5900", "-localhost", "-forever", "-shared", "-nopw"],
    after: 500,
  },
  {
    name: "novnc",
    cmd: "websockify",
    args: ["--web", "/usr/share/novnc", "0.0.0.0:6080", "127.0.0.1:5900"],
  },
  {
    // Headful under Xvfb: bot checks block it less often than headless. The container is the
    // sandbox (no capabilities, no new privileges), so Chromium's own cannot start and is off.
    // Under gVisor (runsc) the zygote's process tricks end in "Trace/breakpoint trap": without it
    // each renderer is started plainly, under runc too. People watch this window in the browser
    // view: --test-type hides the "unsupported command-line flag" bar (the managed policy in
    // /etc/chromium/policies does too), the rest keep first-run, default-browser, restore-session,
    // translate and keyring prompts off the screen.
    name: "browser",
    cmd: "chromium",
    args: [
      "--no-sandbox",
      "--no-zygote",
      "--test-type",
      "--no-first-run",
      "--no-default-browser-check",
      "--hide-crash-restore-bubble",
      "--disable-session-crashed-bubble",
      "--disable-features=Translate",
      "--password-store=basic",
      "--disable-dev-shm-usage",
      "--disable-gpu",
      `--window-size=${width},${height}`,
      "--window-position=0,0",
      "--remote-debugging-address=127.0.0.1",
      `--remote-debugging-port=${CDP_PORT}`,
      `--user-data-dir=${BROWSER_PROFILE}`,
      "about:blank",
    ],
    after: 500,
  },
  {
    // The page the browser shows, for the browser view (page-info.mjs).
    name: "page",
    cmd: "node",
    args: ["/opt/employee/page-info.mjs"],
  },
  {
    name: "openclaw",
    cmd: "openclaw",
    args: ["gateway", "run", "--bind", "lan", "--port", "18789"],
  },
];

/** @type {Map<string, import("node:child_process").ChildProcess>} */
const running = new Map();
let stopping = false;

const log = (name, line) => process.stdout.write(`[${name}] ${line}\n`);

// Chromium in a container has no D-Bus and says so many times a second; nothing is wrong.
const NOISE = /dbus\/|Failed to connect to the bus/;

function pipeLines(name, stream) {
  let buf = "";
  stream.setEncoding("utf8");
  stream.on("data", (chunk) => {
    buf += chunk;
    let i = buf.indexOf("\n");
    while (i >= 0) {
      const line = buf.slice(0, i);
      if (!NOISE.test(line)) log(name, line);
      buf = buf.slice(i + 1);
      i = buf.indexOf("\n");
    }
  });
}

function run(svc, delay = RESTART_MIN_MS) {
  if (stopping) return;
  const started = Date.now();
  const child = spawn(svc.cmd, svc.args, { stdio: ["ignore", "pipe", "pipe"], env: process.env });
  running.set(svc.name, child);
  pipeLines(svc.name, child.stdout);
  pipeLines(svc.name, child.stderr);
  child.on("error", (err) => log("supervise", `${svc.name} could not start: ${err.message}`));
  child.on("exit", (code, signal) => {
    running.delete(svc.name);
    if (stopping) return;
    const next = Date.now() - started > STABLE_AFTER_MS ? RESTART_MIN_MS : delay;
    log("supervise", `${svc.name} exited (${signal ?? code}); restarting in ${next} ms`);
    setTimeout(() => run(svc, Math.min(next * 2, RESTART_MAX_MS)), next);
  });
}

async function main() {
  mkdirSync(BROWSER_PROFILE, { recursive: true });
  for (const svc of services) {
    run(svc);
    if (svc.after) await new Promise((r) => setTimeout(r, svc.after));
  }
}

function stopAll(signal) {
  if (stopping) return;
  stopping = true;
  log("supervise", `${signal}: stopping`);
  const order = [...services].reverse();
  for (const svc of order) running.get(svc.name)?.kill("SIGTERM");
  const deadline = setTimeout(() => {
    for (const child of running.values()) child.kill("SIGKILL");
    process.exit(0);
  }, STOP_GRACE_MS);
  const poll = setInterval(() => {
    if (running.size === 0) {
      clearInterval(poll);
      clearTimeout(deadline);
      process.exit(0);
    }
  }, 100);
}

process.on("SIGTERM", () => stopAll("SIGTERM"));
process.on("SIGINT", () => stopAll("SIGINT"));
main();
