import { spawn } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";

const STAND_IN_START_TIMEOUT_MS = 15_000;

// The loopback stand-ins (serve-stand-ins.ts) in a child process of their own; stop() ends it.
export async function startStandInProcess(): Promise<{ url: string; stop(): Promise<void> }> {
  const child = spawn(process.execPath, [path.join(import.meta.dirname, "serve-stand-ins.ts")], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.stdin.end();
    });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGTERM");
      reject(new Error("the stand-ins did not start"));
    }, STAND_IN_START_TIMEOUT_MS);
    child.once("exit", (code) => reject(new Error(`the stand-ins exited (${code})`)));
    createInterface({ input: child.stdout }).once("line", (line) => {
      clearTimeout(timer);
      resolve((JSON.parse(line) as { url: string }).url);
    });
  });
  return { url, stop };
}
