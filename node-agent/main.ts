// The node agent: `node node-agent/main.ts` with its environment (see config.ts and the README).
import os from "node:os";
import { importVerifyKey } from "../edge/protocol/access-token.ts";
import { startAccessProxy } from "./access/access-proxy.ts";
import { AgentConfigError, loadConfig } from "./config.ts";
import { CommandExecutor } from "./hub/command-executor.ts";
import { HubConnection } from "./hub/hub-connection.ts";
import { createLogger } from "./logger.ts";
import { selectRuntime } from "./runtime/select-runtime.ts";

export const SHUTDOWN_GRACE_MS = 20_000;

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof AgentConfigError) {
    console.error(err.message);
    process.exit(78); // EX_CONFIG: systemd does not restart-loop on it (RestartPreventExitStatus)
  }
  throw err;
}

const log = createLogger(config.LOG_LEVEL);
const runtime = await selectRuntime(config, log);
const executor = new CommandExecutor(runtime, log);
const hub = new HubConnection({
  edgeUrl: config.EDGE_URL,
  nodeToken: config.NODE_TOKEN,
  capacity: () => ({
    slots: config.capacitySlots,
    memoryMb: Math.round(os.totalmem() / 1024 / 1024),
  }),
  runtime,
  executor,
  orphanGraceMs: config.ORPHAN_GRACE_MS,
  log,
});
hub.start();
const accessProxy = config.ACCESS_VERIFY_KEY
  ? await startAccessProxy({
      port: config.ACCESS_PROXY_PORT,
      host: config.ACCESS_PROXY_HOST,
      key: await importVerifyKey(config.ACCESS_VERIFY_KEY),
      runtime,
      cookieMode: config.ACCESS_COOKIE_MODE,
      log,
    })
  : undefined;
if (accessProxy)
  log.info(
    { host: config.ACCESS_PROXY_HOST, port: config.ACCESS_PROXY_PORT },
    "access proxy listening",
  );
else log.warn("ACCESS_VERIFY_KEY is not set: the access proxy is off");
log.info(
  { edge: config.EDGE_URL, slots: config.capacitySlots, runtime: runtime.kind },
  "node agent started",
);

// Containers keep running without the agent; shutting down only finishes the commands in hand.
let shuttingDown = false;
async function shutdown(signal: string) {
  if (shuttingDown) return;
  shuttingDown = true;
  log.info({ signal, inFlight: executor.busy }, "shutting down");
  const timer = setTimeout(() => {
    log.warn("commands did not finish in time; exiting anyway (the edge will redeliver them)");
    process.exit(0);
  }, SHUTDOWN_GRACE_MS);
  timer.unref();
  await executor.drain();
  accessProxy?.close();
  await hub.stop();
  await runtime.close();
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
