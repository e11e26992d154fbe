import {
  ACCESS_PROTOCOL_PREFIX,
  PAGE_PATH,
  VNC_PATH,
  VNC_PROTOCOL,
} from "../../../../edge/contract/browser-view.ts";
import type { AccessUrls } from "../../../../edge/contract/employee.ts";

/** What the view needs of noVNC's RFB (the real class, or a stand-in in component tests). */
export interface RfbLike extends EventTarget {
  viewOnly: boolean;
  scaleViewport: boolean;
  resizeSession: boolean;
  showDotCursor: boolean;
  background: string;
  focus(): void;
  disconnect(): void;
}
export type RfbClass = new (
  target: HTMLElement,
  url: string,
  options: { shared: boolean; wsProtocols: string[] },
) => RfbLike;

/** The browser grant of POST /api/employees/:id/access, as the view uses it. */
export interface BrowserGrant {
  /** websockify through the node's access proxy, e.g. wss://<employee>.vnc.<domain>/websockify */
  socketUrl: string;
  /** GET with `Authorization: Bearer <token>`: {title, url} of the page on screen. */
  pageUrl: string;
  token: string;
  /** epoch ms */
  expiresAt: number;
}

// The view never opens the access URL itself (that would swap the token for a cookie on the
// access host, which the app's origin cannot use): it reads the token from it and offers it as a
// WebSocket subprotocol, or sends it as a bearer token. Null when the URL carries no token.
export function browserGrant(access: AccessUrls): BrowserGrant | null {
  const url = new URL(access.browserUrl);
  const token = url.searchParams.get("access");
  if (!token) return null;
  const ws = url.protocol === "https:" ? "wss:" : "ws:";
  return {
    socketUrl: `${ws}//${url.host}${VNC_PATH}`,
    pageUrl: `${url.origin}${PAGE_PATH}`,
    token,
    expiresAt: Date.parse(access.expiresAt),
  };
}

/** The subprotocols the view offers: websockify's, and the grant for the access proxy. */
export const socketProtocols = (grant: BrowserGrant) => [
  VNC_PROTOCOL,
  `${ACCESS_PROTOCOL_PREFIX}${grant.token}`,
];

// While the browser starts (the VNC endpoint not up yet), the view tries again after a growing
// pause, and gives up with a Reconnect button after this many tries.
export const RETRY_MIN_MS = 1_000;
export const RETRY_MAX_MS = 15_000;
export const MAX_TRIES = 12;
export const retryDelay = (tries: number) => Math.min(RETRY_MIN_MS * 2 ** tries, RETRY_MAX_MS);
// A new grant is fetched this long before the old one expires (the proxy closes its socket then).
export const RENEW_MARGIN_MS = 30_000;
export const PAGE_POLL_MS = 3_000;
