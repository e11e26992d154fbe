import { afterEach, describe, expect, it } from "vitest";
import {
  AFTER_SIGN_IN_KEY,
  AFTER_SIGN_IN_TTL_MS,
  rememberAfterSignIn,
  takeAfterSignIn,
} from "../src/lib/after-sign-in.ts";

afterEach(() => localStorage.clear());

describe("coming back after signing in", () => {
  it("returns to the remembered page once", () => {
    rememberAfterSignIn("/invite?token=abc", 1_000);
    expect(takeAfterSignIn(2_000)).toBe("/invite?token=abc");
    expect(takeAfterSignIn(2_000)).toBeNull();
  });

  it("forgets a page remembered too long ago", () => {
    rememberAfterSignIn("/invite?token=abc", 1_000);
    expect(takeAfterSignIn(1_000 + AFTER_SIGN_IN_TTL_MS + 1)).toBeNull();
    expect(localStorage.getItem(AFTER_SIGN_IN_KEY)).toBeNull();
  });

  it("never leaves the site, whatever was stored", () => {
    for (const path of [
      "https://evil.example/x",
      "//evil.example",
      "/\\evil.example",
      "javascript:alert(1)",
    ]) {
      localStorage.setItem(AFTER_SIGN_IN_KEY, JSON.stringify({ path, until: Date.now() + 60_000 }));
      expect(takeAfterSignIn(), path).toBeNull();
    }
    localStorage.setItem(AFTER_SIGN_IN_KEY, "{not json");
    expect(takeAfterSignIn()).toBeNull();
  });
});
