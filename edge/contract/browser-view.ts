import * as z from "zod/mini";

// The workspace's browser view: the app's own noVNC client (RFB) connects straight to the node's
// access proxy at <employee>.vnc.<domain>, with the short-lived browser grant of
// POST /api/employees/:id/access. Shared by the app and the node agent.

/** websockify's WebSocket path in the employee's container (noVNC's default). */
export const VNC_PATH = "/websockify";
/** The subprotocol websockify speaks; offered first, and the one the container selects. */
export const VNC_PROTOCOL = "binary";
/**
 * The grant rides in a second offered subprotocol, `iw-access.<token>` (tokens are base64url and
 * dots, valid protocol names): a page cannot set headers on a WebSocket, and this keeps the token
 * out of URLs and their logs. The proxy takes it out before the container sees the request.
 */
export const ACCESS_PROTOCOL_PREFIX = "iw-access.";
/** The page the employee's Chromium shows: GET with `Authorization: Bearer <browser grant>`. */
export const PAGE_PATH = "/__iw/page";

export const BrowserPage = z.object({ title: z.string(), url: z.string() });
export type BrowserPage = z.infer<typeof BrowserPage>;
