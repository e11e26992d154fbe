import { cleanup, fireEvent, render, screen, waitFor } from "@solidjs/testing-library";
import { afterEach, describe, expect, it, vi } from "vitest";
import { BrowserView } from "../src/components/browser/browser-view.tsx";
import { ApiProvider } from "../src/lib/api-context.tsx";
import { fail, fakeApi, type Reply } from "./fake-api.ts";

// noVNC's RFB as the view sees it: events it can fire, and the properties the view sets.
class FakeRfb extends EventTarget {
  static made: FakeRfb[] = [];
  viewOnly = false;
  scaleViewport = false;
  resizeSession = true;
  showDotCursor = true;
  background = "";
  focused = 0;
  disconnected = false;
  readonly target: HTMLElement;
  readonly url: string;
  readonly options: { shared: boolean; wsProtocols: string[] };
  constructor(target: HTMLElement, url: string, options: FakeRfb["options"]) {
    super();
    this.target = target;
    this.url = url;
    this.options = options;
    FakeRfb.made.push(this);
  }
  focus() {
    this.focused++;
  }
  disconnect() {
    this.disconnected = true;
    this.dispatchEvent(new Event("disconnect"));
  }
  fire(type: "connect" | "disconnect") {
    this.dispatchEvent(new Event(type));
  }
}
const last = () => {
  const r = FakeRfb.made.at(-1);
  if (!r) throw new Error("no RFB made");
  return r;
};

const access = (token = "v1.tok.sig"): Reply => ({
  status: 200,
  body: {
    chatUrl: `https://e1.gw.example.com/?access=${token}`,
    browserUrl: `https://e1.vnc.example.com/?access=${token}`,
    expiresAt: new Date(Date.now() + 5 * 60_000).toISOString(),
  },
});

function view(reply: Reply = access()) {
  FakeRfb.made = [];
  const fake = fakeApi({ "POST /api/employees/e1/access": reply });
  const pageFetch = vi.fn(
    async () => new Response(JSON.stringify({ title: "Example", url: "https://example.com/" })),
  );
  render(() => (
    <ApiProvider client={fake.client}>
      <BrowserView employeeId="e1" loadRfb={async () => FakeRfb} fetch={pageFetch} />
    </ApiProvider>
  ));
  return { calls: fake.calls, pageFetch };
}

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

describe("BrowserView", () => {
  it("connects view-only and scaled to websockify with the grant as a subprotocol, then shows the page", async () => {
    const { calls, pageFetch } = view();
    expect(screen.getByRole("status").textContent).toContain("Connecting to the browser");
    await waitFor(() => expect(FakeRfb.made).toHaveLength(1));
    expect(calls[0]?.query).toBe("?service=browser");
    const rfb = last();
    expect(rfb.url).toBe("wss://e1.vnc.example.com/websockify");
    expect(rfb.options.wsProtocols).toEqual(["binary", "iw-access.v1.tok.sig"]);
    expect([rfb.viewOnly, rfb.scaleViewport, rfb.resizeSession]).toEqual([true, true, false]);
    // No noVNC page around it: the canvas goes into our own element.
    expect(rfb.target.classList.contains("browser-screen")).toBe(true);
    rfb.fire("connect");
    await screen.findByText("Example");
    expect(screen.getByText("https://example.com/")).toBeTruthy();
    expect(screen.queryByRole("status")).toBeNull();
    expect(pageFetch).toHaveBeenCalledWith("https://e1.vnc.example.com/__iw/page", {
      headers: { authorization: "Bearer v1.tok.sig" },
    });
  });

  it("takes control and gives it back, switching viewOnly", async () => {
    view();
    await waitFor(() => expect(FakeRfb.made).toHaveLength(1));
    const toggle = screen.getByRole("button", { name: "Take control" });
    expect(toggle.hasAttribute("disabled")).toBe(true);
    last().fire("connect");
    await waitFor(() => expect(toggle.hasAttribute("disabled")).toBe(false));
    fireEvent.click(toggle);
    expect(last().viewOnly).toBe(false);
    expect(last().focused).toBe(1);
    expect(toggle.getAttribute("aria-pressed")).toBe("true");
    expect(toggle.textContent).toBe("Give back control");
    expect(screen.getByText("You are in control")).toBeTruthy();
    fireEvent.click(toggle);
    expect(last().viewOnly).toBe(true);
    expect(toggle.getAttribute("aria-pressed")).toBe("false");
  });

  it("says the browser is starting while VNC is not up, and tries again with the same grant", async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const { calls } = view();
    await vi.waitFor(() => expect(FakeRfb.made).toHaveLength(1));
    last().fire("disconnect");
    await screen.findByText("Starting the browser…");
    await vi.advanceTimersByTimeAsync(1_100);
    await vi.waitFor(() => expect(FakeRfb.made).toHaveLength(2));
    expect(calls).toHaveLength(1);
    last().fire("connect");
    await vi.waitFor(() => expect(screen.queryByRole("status")).toBeNull());
  });

  it("offers Reconnect once a working connection is lost", async () => {
    view();
    await waitFor(() => expect(FakeRfb.made).toHaveLength(1));
    last().fire("connect");
    last().fire("disconnect");
    const again = await screen.findByRole("button", { name: "Reconnect" });
    expect(screen.getByText("The connection to the browser was lost.")).toBeTruthy();
    fireEvent.click(again);
    await waitFor(() => expect(FakeRfb.made).toHaveLength(2));
    expect(screen.getByText("Connecting to the browser…")).toBeTruthy();
  });

  it("says so when access is not available on this server, and connects nothing", async () => {
    view(fail(404, "not_found"));
    await screen.findByText("Chat and browser access is not available on this server yet.");
    expect(FakeRfb.made).toHaveLength(0);
  });
});
