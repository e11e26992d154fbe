import type { Accessor } from "solid-js";
import {
  type AccountLiveFrame,
  parseAccountLiveFrame,
} from "../../../edge/contract/account-live.ts";
import { createLiveSocket } from "./live.ts";

/** The account socket's approval frames: a request asked for, decided or expired (issue 18). */
export type ApprovalFrame = Extract<AccountLiveFrame, { type: "approval" }>;

/** What the approvals inbox and the header's badge read of the account's live socket. */
export interface AccountFeed {
  listen(fn: (frame: AccountLiveFrame) => void): () => void;
  /** How often the socket came back after a drop: frames may have been missed, so refetch. */
  reconnects: Accessor<number>;
}

// The account's live socket (GET /api/live): what the whole team sees change wherever it is in
// the app. One per page, whatever shows it (the header's badge and the inbox share it: see
// approvals.ts), reconnecting as an employee's socket does (live.ts createLiveSocket).
export function createAccountFeed(): AccountFeed & { lost: Accessor<boolean> } {
  const listeners = new Set<(frame: AccountLiveFrame) => void>();
  const socket = createLiveSocket("/api/live", (data) => {
    const frame = parseAccountLiveFrame(data);
    if (frame) for (const fn of listeners) fn(frame);
  });
  return {
    listen(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    reconnects: socket.reconnects,
    lost: socket.lost,
  };
}
