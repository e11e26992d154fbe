import { ACCESS_PROTOCOL_PREFIX } from "../../edge/contract/browser-view.ts";

const offered = (header: string | undefined) =>
  (header ?? "")
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean);

/** The grant a WebSocket offers as its `iw-access.<token>` subprotocol (the browser view's). */
export function grantFromProtocols(header: string | undefined): string | undefined {
  const entry = offered(header).find((p) => p.startsWith(ACCESS_PROTOCOL_PREFIX));
  return entry?.slice(ACCESS_PROTOCOL_PREFIX.length) || undefined;
}

/** The subprotocols the container is offered: the same, without the grant (it never sees it). */
export function protocolsWithoutGrant(header: string | undefined): string | undefined {
  const rest = offered(header).filter((p) => !p.startsWith(ACCESS_PROTOCOL_PREFIX));
  return rest.length ? rest.join(", ") : undefined;
}

/** The grant of an `Authorization: Bearer <token>` header (the browser view's page requests). */
export function grantFromBearer(header: string | undefined): string | undefined {
  const m = /^Bearer ([A-Za-z0-9._-]{1,2048})$/.exec(header ?? "");
  return m?.[1];
}
