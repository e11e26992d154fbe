import { describe, expect, it } from "vitest";
import {
  grantFromBearer,
  grantFromProtocols,
  protocolsWithoutGrant,
} from "../../access/grant-protocol.ts";

describe("the browser view's grant on a WebSocket and a page request", () => {
  it("finds the grant among the offered subprotocols and leaves the others for the container", () => {
    const offered = "binary, iw-access.v1.abc-_.sig";
    expect(grantFromProtocols(offered)).toBe("v1.abc-_.sig");
    expect(protocolsWithoutGrant(offered)).toBe("binary");
    expect(protocolsWithoutGrant("iw-access.v1.a.b")).toBeUndefined();
    expect(protocolsWithoutGrant("binary,base64")).toBe("binary, base64");
  });

  it("finds no grant where there is none or it is empty", () => {
    expect(grantFromProtocols(undefined)).toBeUndefined();
    expect(grantFromProtocols("binary")).toBeUndefined();
    expect(grantFromProtocols("iw-access.")).toBeUndefined();
    // Only the exact prefix: a look-alike is another protocol, passed on, never a grant.
    expect(grantFromProtocols("x-iw-access.v1.a.b")).toBeUndefined();
  });

  it("takes a bearer token only in its plain form", () => {
    expect(grantFromBearer("Bearer v1.abc.sig")).toBe("v1.abc.sig");
    expect(grantFromBearer("bearer v1.abc.sig")).toBeUndefined();
    expect(grantFromBearer("Bearer v1 abc")).toBeUndefined();
    expect(grantFromBearer("Basic dXNlcjpwYXNz")).toBeUndefined();
    expect(grantFromBearer(`Bearer ${"a".repeat(2049)}`)).toBeUndefined();
    expect(grantFromBearer(undefined)).toBeUndefined();
  });
});
