import { cleanup, render } from "@solidjs/testing-library";
import { afterEach, describe, expect, it, vi } from "vitest";
import { LIVE_REAUTH_CLOSE, liveFrame } from "../../edge/contract/live.ts";
import { createLiveEmployee } from "../src/lib/live.ts";
import { answer, employee } from "./chat-fixtures.ts";

// The workspace's one live socket carries the chat's frames too: no second socket per tab.
class FakeSocket {
  static all: FakeSocket[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((e: { data: string }) => void) | null = null;
  onclose: ((e?: { code: number }) => void) | null = null;
  sent: string[] = [];
  closed = false;
  readonly url: string;
  constructor(url: string) {
    this.url = url;
    FakeSocket.all.push(this);
  }
  send(data: string) {
    this.sent.push(data);
  }
  close() {
    this.closed = true;
  }
}

afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  vi.useRealTimers();
  FakeSocket.all = [];
});

function mount() {
  vi.stubGlobal("WebSocket", FakeSocket);
  let live: ReturnType<typeof createLiveEmployee> | undefined;
  render(() => {
    live = createLiveEmployee("e1", employee);
    return null;
  });
  if (!live) throw new Error("not mounted");
  return live;
}

describe("the live socket", () => {
  it("keeps what only D1 knows (autonomy, its suggestion, working hours) across status frames", () => {
    vi.stubGlobal("WebSocket", FakeSocket);
    let live: ReturnType<typeof createLiveEmployee> | undefined;
    const hours = { days: [1, 2, 3, 4, 5], start: "09:00", end: "17:00", timeZone: "UTC" };
    render(() => {
      live = createLiveEmployee("e1", {
        ...employee,
        autonomy: "ask",
        autonomySuggestion: { level: "risky", approvedInARow: 10 },
        workingHours: hours,
      });
      return null;
    });
    const [socket] = FakeSocket.all;
    socket?.onopen?.();
    socket?.onmessage?.({
      data: liveFrame({ type: "status", employee: { ...employee, status: "stopped" } }),
    });
    expect(live?.employee()).toMatchObject({
      status: "stopped",
      autonomy: "ask",
      autonomySuggestion: { level: "risky", approvedInARow: 10 },
      workingHours: hours,
    });
  });

  it("hands chat frames to the chat, and status frames to the employee, over one socket", () => {
    const live = mount();
    const frames: string[] = [];
    live.chat.listen((f) => frames.push(f.type));
    const [socket] = FakeSocket.all;
    socket?.onopen?.();
    socket?.onmessage?.({ data: liveFrame({ type: "chat.message", message: answer() }) });
    socket?.onmessage?.({
      data: liveFrame({ type: "chat.readiness", readiness: { state: "asleep" } }),
    });
    socket?.onmessage?.({
      data: liveFrame({ type: "status", employee: { ...employee, status: "stopped" } }),
    });
    expect(frames).toEqual(["chat.message", "chat.readiness"]);
    expect(live.employee().status).toBe("stopped");
    expect(FakeSocket.all).toHaveLength(1);
  });

  it("says when it is lost, counts the reconnections, and reconnects at once when asked", () => {
    vi.useFakeTimers();
    const live = mount();
    FakeSocket.all[0]?.onopen?.();
    expect(live.chat.reconnects()).toBe(0);
    FakeSocket.all[0]?.onclose?.();
    expect(live.chat.lost()).toBe(true);
    live.chat.retry();
    expect(FakeSocket.all).toHaveLength(2);
    FakeSocket.all[1]?.onopen?.();
    expect(live.chat.lost()).toBe(false);
    expect(live.chat.reconnects()).toBe(1);
    // The backoff's timer was cancelled: no third socket comes later.
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.all).toHaveLength(2);
  });

  it("opens a new socket at once, without saying it is lost, when the edge closes one past its time", () => {
    vi.useFakeTimers();
    const live = mount();
    FakeSocket.all[0]?.onopen?.();
    FakeSocket.all[0]?.onclose?.({ code: LIVE_REAUTH_CLOSE });
    expect(live.chat.lost()).toBe(false);
    expect(FakeSocket.all).toHaveLength(2);
    FakeSocket.all[1]?.onopen?.();
    // The chat reloads what it may have missed meanwhile.
    expect(live.chat.reconnects()).toBe(1);
  });
});
