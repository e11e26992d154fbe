import { describe, expect, it } from "vitest";
import { flowCookie } from "../../auth/session-cookie.ts";

// Browsers accept a __Host- cookie only when it is Secure, host-only and Path=/, so no subdomain
// (an employee's access host, where the customer's browser runs the employee's pages) can plant
// or shadow it. Outside development the Google flow's cookies must be such cookies.
describe("the Google sign-in flow's cookies", () => {
  it("are __Host- cookies on Path=/ outside development", () => {
    for (const name of ["iw_google_state", "iw_google_verifier"]) {
      expect(flowCookie(name, true)).toEqual({ name: `__Host-${name}`, path: "/" });
    }
  });

  it("keep their plain names on plain-HTTP development, scoped to the flow's path", () => {
    expect(flowCookie("iw_google_state", false)).toEqual({
      name: "iw_google_state",
      path: "/api/auth/google",
    });
  });
});
