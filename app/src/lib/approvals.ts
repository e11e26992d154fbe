import { createEffect, createMemo, createRoot, createSignal, onCleanup } from "solid-js";
import { isServer } from "solid-js/web";
import type {
  ApprovalDecision,
  ApprovalStatus,
  ApprovalView,
} from "../../../edge/contract/approvals.ts";
import { type ApiClient, ApiFailure } from "../../../edge/contract/client.ts";
import { type AccountFeed, createAccountFeed } from "./account-live.ts";
import { createLiveCollection } from "./live-collection.ts";

// The team's approvals (issue 18): what its employees asked to do, kept current by the account's
// live socket. One store per page, shared by the header's badge (on every signed-in page) and the
// inbox (routes/approvals.tsx), so the two never disagree and the page opens one socket, not two.
// The badge needs only the pending ones; the inbox asks for the last 7 days' decided ones too
// (`withDecided`), and from then on the list is fetched with them.

export type ApprovalsStore = ReturnType<typeof createApprovalsStore>;

/** How far back the inbox's "Decided" section goes (the API's `status=all`). */
export const DECIDED_WINDOW_MS = 7 * 86_400_000;

/** What a request is now: one still pending past its expiry has been denied by OpenClaw. */
export const statusAt = (a: ApprovalView, now: number): ApprovalStatus =>
  a.status === "pending" && Date.parse(a.expiresAt) <= now ? "expired" : a.status;

/** A decided state is final: a late frame or answer that still says "pending" does not undo it. */
const keepDecided = (current: ApprovalView | undefined, next: ApprovalView): ApprovalView =>
  current && current.status !== "pending" && next.status === "pending" ? current : next;

const soonestFirst = (a: ApprovalView, b: ApprovalView) =>
  a.expiresAt < b.expiresAt ? -1 : a.expiresAt > b.expiresAt ? 1 : a.id < b.id ? -1 : 1;
const when = (a: ApprovalView) => a.decidedAt ?? a.expiresAt;
const latestFirst = (a: ApprovalView, b: ApprovalView) => (when(a) < when(b) ? 1 : -1);

export function createApprovalsStore(opts: { api: ApiClient; feed?: AccountFeed }) {
  const feed = opts.feed;
  const [decidedToo, setDecidedToo] = createSignal(false);
  const { byKey, put, state, reload } = createLiveCollection<ApprovalView>({
    key: (a) => a.id,
    merge: keepDecided,
    fetch: async () =>
      (await opts.api("GET /api/approvals", decidedToo() ? { query: { status: "all" } } : {}))
        .approvals,
    ...(feed
      ? {
          listen: (put) =>
            feed.listen((frame) => {
              if (frame.type === "approval") put(frame.approval);
            }),
          reconnects: feed.reconnects,
        }
      : {}),
  });

  // Moves a request from pending to expired when its time is up, without a frame (the edge's
  // sweep comes later): one timer, for the soonest.
  const [tick, setTick] = createSignal(0);
  const now = () => {
    tick();
    return Date.now();
  };
  const all = createMemo(() => Object.values(byKey()));
  const pending = createMemo(() => {
    const at = now();
    return all()
      .filter((a) => statusAt(a, at) === "pending")
      .sort(soonestFirst);
  });
  const decided = createMemo(() => {
    const at = now();
    return all()
      .filter((a) => statusAt(a, at) !== "pending" && Date.parse(when(a)) > at - DECIDED_WINDOW_MS)
      .sort(latestFirst);
  });
  createEffect(() => {
    const next = pending()[0];
    if (!next) return;
    const timer = setTimeout(
      () => setTick((n) => n + 1),
      Math.max(0, Date.parse(next.expiresAt) - Date.now()) + 50,
    );
    onCleanup(() => clearTimeout(timer));
  });

  return {
    /** Waiting for a decision, the one expiring soonest first. */
    pending,
    /** Decided, expired or settled in OpenClaw in the last 7 days, latest first (after `withDecided`). */
    decided,
    get: (id: string): ApprovalView | undefined => byKey()[id],
    state,
    reload,
    /** The inbox's "Decided" section: fetched from now on (once). */
    withDecided() {
      if (decidedToo()) return;
      setDecidedToo(true);
      void reload();
    },
    /** First decision wins: when another came first (409 approval_decided) the list is fetched
     * again, so the request shows what happened, and the failure is thrown on. */
    async decide(id: string, decision: ApprovalDecision, reason?: string): Promise<ApprovalView> {
      try {
        const { approval } = await opts.api("POST /api/approvals/:id", {
          params: { id },
          body: { decision, ...(reason ? { reason } : {}) },
        });
        put(approval);
        return approval;
      } catch (err) {
        if (err instanceof ApiFailure && err.code === "approval_decided") {
          if (!decidedToo()) setDecidedToo(true);
          await reload();
        }
        throw err;
      }
    },
  };
}

let shared: ApprovalsStore | undefined;

/** The page's one store over the account's socket; none on the server (one module serves every
 * visitor there). A switch of account reloads the page, so one per page load is one per account. */
export function sharedApprovals(api: ApiClient): ApprovalsStore | undefined {
  if (isServer) return undefined;
  shared ??= createRoot(() => createApprovalsStore({ api, feed: createAccountFeed() }));
  return shared;
}
