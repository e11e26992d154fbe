import type { Logger } from "../../logger.ts";
import { RuntimeError } from "../employee-runtime.ts";

interface DockerError {
  statusCode?: number;
  message?: string;
}

export const statusOf = (err: unknown) => (err as DockerError)?.statusCode;

export function engineUnreachable(err: unknown): boolean {
  // Our own verdicts may quote a tool's ENOENT; only the engine's socket errors mean "wait".
  if (err instanceof RuntimeError) return false;
  const text =
    String((err as { cause?: unknown })?.cause ?? "") + String((err as Error)?.message ?? err);
  return /ECONNREFUSED|ENOENT|ECONNRESET|EPIPE|socket hang up/.test(text);
}

export function wrap(err: unknown, code: string): RuntimeError {
  if (err instanceof RuntimeError) return err;
  if (engineUnreachable(err)) throw err; // let whenEngineUp wait for the engine
  const message = (err as DockerError)?.message ?? String(err);
  // Anything from the engine may pass (it restarts, it is busy): let the edge try again.
  return new RuntimeError(code, message.slice(0, 500), true);
}

// While the engine is unreachable (dockerd restarting), a command waits this long for it to come
// back before failing, so a routine engine restart does not burn the edge's retries.
export const ENGINE_WAIT_MS = 45_000;
export const ENGINE_POLL_MS = 500;

export async function whenEngineUp<T>(fn: () => Promise<T>, log: Logger): Promise<T> {
  const deadline = Date.now() + ENGINE_WAIT_MS;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (!engineUnreachable(err) || Date.now() > deadline) throw err;
      log.warn({ err: String(err) }, "docker engine unreachable; waiting for it");
      await new Promise((r) => setTimeout(r, ENGINE_POLL_MS));
    }
  }
}
