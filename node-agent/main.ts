// The node agent: `node node-agent/main.ts` with its environment (see config.ts and docs/configuration.md).
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { importVerifyKey } from "../edge/protocol/access-token.ts";
import type { EmployeeSpec } from "../edge/protocol/frames.ts";
import { startAccessProxy } from "./access/access-proxy.ts";
import { AgentConfigError, loadConfig } from "./config.ts";
import { ChatAttachments } from "./employee/chat-attachments.ts";
import { ChatRelay } from "./employee/chat-relay.ts";
import { ControlRelay } from "./employee/control-relay.ts";
import { GatewayDevices } from "./employee/gateway-devices.ts";
import { KnowledgeSync } from "./employee/knowledge-sync.ts";
import type { NetworkFacts } from "./employee/openclaw-config.ts";
import { ScheduleState } from "./employee/schedule-state.ts";
import { WorkspaceExporter } from "./employee/workspace-export.ts";
import { workspaceEntries } from "./employee/workspace-files.ts";
import { CommandExecutor } from "./hub/command-executor.ts";
import { AGENT_VERSION, HubConnection } from "./hub/hub-connection.ts";
import { SelfFence } from "./hub/self-fence.ts";
import { adoptKeys } from "./llm-relay/adopt-keys.ts";
import { EmployeeAddresses } from "./llm-relay/employee-addresses.ts";
import { EmployeeKeys } from "./llm-relay/employee-keys.ts";
import { startLlmRelay } from "./llm-relay/llm-relay.ts";
import { createLogger, keepServing } from "./logger.ts";
import { selectRuntime, teamFilesRoot } from "./runtime/select-runtime.ts";
import { StaleMarkers } from "./runtime/stale-markers.ts";
import { SnapshotRestorer } from "./snapshot/snapshot-restorer.ts";
import { SnapshotTaker } from "./snapshot/snapshot-taker.ts";

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
const serving = keepServing(log);
// Filled in once the runtime knows the node's address on the employee network.
let network: NetworkFacts | undefined;
// The heartbeat of each employee as its last schedules.sync left it (issue 18).
const schedules = new ScheduleState(config.STATE_DIR);
const configure = async (spec: EmployeeSpec) => {
  if (!network) throw new Error("the LLM relay is not listening yet");
  return workspaceEntries(spec, network, schedules.heartbeat(spec.employeeId));
};
const runtime = await selectRuntime(config, log, configure);
const proxyAddress = await runtime.proxyAddress();
const keys = new EmployeeKeys(config.STATE_DIR);
const llmRelay = await startLlmRelay({
  host: proxyAddress,
  port: config.LLM_RELAY_PORT,
  upstream: config.LLM_GATEWAY_URL ?? new URL("/v1", config.EDGE_URL).toString(),
  addresses: new EmployeeAddresses(runtime),
  keys,
  log,
});
const relayPort = (llmRelay.address() as AddressInfo).port; // LLM_RELAY_PORT=0 lets the OS pick
network = { proxyAddress, llmBaseUrl: `http://${proxyAddress}:${relayPort}/v1` };
log.info({ relay: network.llmBaseUrl }, "llm relay listening");
// Kernel, disk and network boundaries of the employees: checked now, and again before each
// container starts; provisioning is refused with the reason while one is missing.
await runtime.prepare({ relayPort }).catch((err: unknown) => {
  log.error(
    { err: err instanceof Error ? err.message : String(err) },
    "employees cannot be isolated on this node",
  );
});
// After prepare: it mounts the employees' disks again after a reboot, and the keys are on them.
adoptKeys(runtime, keys, log).catch((err: unknown) =>
  log.warn({ err }, "could not look for keys in older employees' configs"),
);
const knowledge = new KnowledgeSync({
  runtime,
  edgeUrl: config.EDGE_URL,
  nodeToken: config.NODE_TOKEN,
  teamFilesRoot: teamFilesRoot(config),
  log,
});
const workspaces = new WorkspaceExporter({
  runtime,
  edgeUrl: config.EDGE_URL,
  nodeToken: config.NODE_TOKEN,
  spoolDir: path.join(config.STATE_DIR, "exports"),
  log,
});
const devices = new GatewayDevices(config.STATE_DIR);
// The workspace chat: messages to each employee's own OpenClaw, answers back over the hub.
const chat = new ChatRelay({
  runtime,
  devices,
  attachments: new ChatAttachments({
    runtime,
    edgeUrl: config.EDGE_URL,
    nodeToken: config.NODE_TOKEN,
    log,
  }),
  send: (frame) => hub.event(frame),
  log,
  // A message waits while OpenClaw restarts for a new autonomy (employee.configure).
  settled: (employeeId) => control.settled(employeeId),
});
// Approvals and scheduled work (issue 18): a control socket per running employee.
const control = new ControlRelay({
  runtime,
  devices,
  state: schedules,
  send: (frame) => hub.event(frame),
  log,
  approvalTimeoutMs: config.APPROVAL_TIMEOUT_MS,
});
runtime
  .inventory()
  .then((all) => {
    for (const i of all) if (i.state === "running") control.ensure(i.employeeId);
  })
  .catch((err: unknown) => log.warn({ err }, "could not open control sockets at start"));
// container.restore: a snapshot's state fetched from the edge, checked, staged and swapped in.
const restores = new SnapshotRestorer({
  runtime,
  edgeUrl: config.EDGE_URL,
  nodeToken: config.NODE_TOKEN,
  send: (frame) => hub.event(frame),
  log,
});
// Snapshots of employees' state to the edge (issue 16); progress goes out over the hub.
const snapshots = new SnapshotTaker({
  runtime,
  edgeUrl: config.EDGE_URL,
  nodeToken: config.NODE_TOKEN,
  snapshotsDir: path.join(config.STATE_DIR, "snapshots"),
  agentVersion: AGENT_VERSION,
  send: (frame) => hub.event(frame),
  log,
});
const executor = new CommandExecutor(runtime, log, {
  configure,
  knowledge,
  keys,
  workspaces,
  chat,
  restores,
  snapshots,
  control,
});
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
  fence: new SelfFence({
    enabled: config.AGENT_SELF_FENCE === "on",
    stateDir: config.STATE_DIR,
    runtime,
    stale: new StaleMarkers(config.STATE_DIR),
    log,
  }),
  log,
});
// The agent starts no employee of its own accord: dockerd does not either (RESTART_POLICY), so
// after a reboot nothing runs until the edge has had the hello, reconciled, and asked for each
// employee it wants running (its inventory check heals one found stopped).
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
serving();

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
  await chat.close();
  await control.close();
  accessProxy?.close();
  llmRelay.close();
  await hub.stop();
  await runtime.close();
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
