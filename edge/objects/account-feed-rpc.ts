import type { AccountLiveFrame } from "../contract/account-live.ts";

/** What the Worker asks of an account's live feed (account-feed-do.ts); apart from the class so
 * that env.ts can name it without importing the object (which imports env.ts). */
export interface AccountFeedRpc extends Rpc.DurableObjectBranded {
  fetch(request: Request): Promise<Response>;
  /** The frame to every viewer still within its time; how many heard it. */
  publish(frame: AccountLiveFrame): Promise<number>;
}
