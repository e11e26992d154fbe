// The node agent's socket, by name.
export const HEARTBEAT_INTERVAL_MS = 10_000;
// Three missed heartbeats and the node is offline: its socket is closed, nothing new is placed on
// it, and commands for it wait in the outbox until it is back.
export const HEARTBEAT_TIMEOUT_MS = 30_000;
// A socket that has not said hello by then is closed.
export const HELLO_TIMEOUT_MS = 10_000;
// How many employees waiting for a server one connecting node wakes at once.
export const WAKE_WAITING_LIMIT = 50;
// How long a question to the agent (reading an employee's memory) may take before the person
// waiting is told the server did not answer.
export const ASK_TIMEOUT_MS = 10_000;
// How often a connected node's NodeDO reads its token's row in D1 (on its alarm; each heartbeat
// and each command sent checks too): a revoked token's socket is closed within this, and a new
// --slots applies within it.
export const TOKEN_CHECK_INTERVAL_MS = 5_000;
// Node loss and drain (issue 16; the shared ones are in protocol/snapshot-timeouts.ts).
// How many employees of a lost node one alarm asks to move, and how soon the next batch goes.
export const LOST_BATCH = 5;
export const LOST_BATCH_INTERVAL_MS = 1_000;
// An employee that could not be asked to move (its object failed, or it was busy) is asked again
// after this long.
export const MOVE_RETRY_MS = 30_000;
