import { describe, expect, it } from "vitest";
import { configuredVar } from "../stand-ins/configured-var.ts";

// Whether `npm run dev` leaves a stand-in off because the real service is configured: a real
// Stripe key written any way dotenv reads it must keep the Checkout stand-in off.

describe("configuredVar", () => {
  it.each([
    "STRIPE_SECRET_KEY=sk_live_x",
    "  STRIPE_SECRET_KEY = sk_live_x",
    "export STRIPE_SECRET_KEY=sk_live_x",
    'STRIPE_SECRET_KEY="sk_live_x"',
    "OTHER=1\r\nSTRIPE_SECRET_KEY='sk_live_x'\r\n",
  ])("finds the key in %j", (text) => {
    expect(configuredVar("STRIPE_SECRET_KEY", text, {})).toBe(true);
  });

  it.each([
    "",
    "STRIPE_SECRET_KEY=",
    'STRIPE_SECRET_KEY=""',
    "# STRIPE_SECRET_KEY=sk_live_x",
    "STRIPE_SECRET_KEY_OLD=sk_live_x",
    "STRIPE_WEBHOOK_SECRET=whsec_x",
  ])("finds none in %j", (text) => {
    expect(configuredVar("STRIPE_SECRET_KEY", text, {})).toBe(false);
  });

  it("finds it in the environment too", () => {
    expect(configuredVar("STRIPE_SECRET_KEY", undefined, { STRIPE_SECRET_KEY: "sk_live_x" })).toBe(
      true,
    );
    expect(configuredVar("STRIPE_SECRET_KEY", undefined, { STRIPE_SECRET_KEY: " " })).toBe(false);
  });
});
