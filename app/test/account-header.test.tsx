import { cleanup, fireEvent, render, screen } from "@solidjs/testing-library";
import { afterEach, describe, expect, it, vi } from "vitest";
import { AccountChangedNotice } from "../src/components/account-changed.tsx";
import { I18nProvider } from "../src/i18n/i18n.tsx";
import { ApiFailure, accountChanged, api, showAccount } from "../src/lib/api.ts";

// The app names the account its page shows on every call (X-Account-Id), and once the edge says
// the session now acts in another account, the page offers the one way on: a reload.

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  showAccount(undefined);
});

function stubFetch(res: () => Response) {
  const calls: Request[] = [];
  vi.stubGlobal("fetch", async (url: string, init: RequestInit) => {
    calls.push(new Request(new URL(url, "http://app.test"), init));
    return res();
  });
  return calls;
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });

describe("the app's API client", () => {
  it("sends the shown account in X-Account-Id on every call, reads and changes alike", async () => {
    const calls = stubFetch(() => new Response(null, { status: 204 }));
    showAccount("acc-shown");
    await api("DELETE /api/knowledge/:fileId", { params: { fileId: "x" } });
    await api("PATCH /api/account", { body: { name: "Team" } }).catch(() => undefined);
    expect(calls.map((c) => c.headers.get("x-account-id"))).toEqual(["acc-shown", "acc-shown"]);
    expect(calls[1]?.headers.get("content-type")).toBe("application/json");
  });

  it("sends no header before the page knows its account", async () => {
    const calls = stubFetch(() => new Response(null, { status: 204 }));
    await api("DELETE /api/knowledge/:fileId", { params: { fileId: "x" } });
    expect(calls[0]?.headers.has("x-account-id")).toBe(false);
  });

  it("on account_changed throws the failure and shows the notice with a Reload action", async () => {
    stubFetch(() =>
      json(409, { error: { code: "account_changed", message: "This page shows another team." } }),
    );
    const reload = vi.fn();
    vi.stubGlobal("location", { ...location, reload });
    render(() => (
      <I18nProvider lang="en">
        <AccountChangedNotice />
      </I18nProvider>
    ));
    expect(screen.queryByTestId("account-changed")).toBeNull();
    showAccount("acc-shown");
    const err = await api("DELETE /api/account").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiFailure);
    expect((err as ApiFailure).code).toBe("account_changed");
    expect(accountChanged()).toBe(true);
    const notice = await screen.findByTestId("account-changed");
    expect(notice.textContent).toContain("another team");
    fireEvent.click(screen.getByRole("button", { name: "Reload" }));
    expect(reload).toHaveBeenCalledOnce();
  });
});
