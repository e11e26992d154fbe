import { createSignal, onCleanup, onMount } from "solid-js";
import { LIVE_PING, LIVE_REAUTH_CLOSE } from "../../../edge/contract/live.ts";
import { backoffDelay } from "../../../edge/protocol/backoff.ts";

export const LIVE_RETRY_BASE_MS = 500;
export const LIVE_RETRY_MAX_MS = 15_000;
export const LIVE_PING_MS = 25_000;

// One live WebSocket of the edge's (an employee's, GET /api/employees/:id/live, or the account's,
// GET /api/live), opened once the component is on screen and closed with it. It reconnects with
// the shared backoff (edge/protocol/backoff.ts: jittered, so a deploy does not bring every browser
// back at once), pings so proxies keep it open, and opens a new one at once when the edge closes it
// as past its time (4001: the new one is admitted again). `lost` is true from the moment an open
// socket (or an attempt to open one) fails until one opens again; `reconnects` counts the times it
// came back (frames may have been missed: refetch); `retry` tries at once instead of after the
// backoff; `halt` stops reconnecting (the employee was fired).
export function createLiveSocket(path: string, onMessage: (data: unknown) => void) {
  const [connected, setConnected] = createSignal(false);
  const [lost, setLost] = createSignal(false);
  const [reconnects, setReconnects] = createSignal(0);
  let retryNow = () => {};
  let stopped = false;
  onMount(() => {
    let ws: WebSocket | undefined;
    let attempt = 0;
    let opened = false;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let ping: ReturnType<typeof setInterval> | undefined;
    const open = () => {
      clearTimeout(retry);
      const url = new URL(path, location.href);
      url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
      const socket = new WebSocket(url);
      ws = socket;
      socket.onopen = () => {
        attempt = 0;
        setConnected(true);
        setLost(false);
        if (opened) setReconnects((n) => n + 1);
        opened = true;
        ping = setInterval(() => socket.send(LIVE_PING), LIVE_PING_MS);
      };
      socket.onmessage = (e) => onMessage(e.data);
      socket.onclose = (e) => {
        // A socket replaced by retry() closes late: only the current one schedules anything.
        if (ws !== socket) return;
        setConnected(false);
        clearInterval(ping);
        if (stopped) return;
        // Past its time (the edge admits a socket for a while): a new one at once, not "lost".
        if (e?.code === LIVE_REAUTH_CLOSE) return open();
        setLost(true);
        attempt++;
        retry = setTimeout(
          open,
          backoffDelay(attempt, { baseMs: LIVE_RETRY_BASE_MS, maxMs: LIVE_RETRY_MAX_MS }),
        );
      };
    };
    retryNow = () => {
      if (stopped || connected()) return;
      clearTimeout(retry);
      attempt = 0;
      // The attempt still under way is abandoned quietly: its close must not schedule another.
      if (ws) {
        ws.onopen = ws.onmessage = ws.onclose = null;
        ws.close();
      }
      open();
    };
    open();
    onCleanup(() => {
      stopped = true;
      clearTimeout(retry);
      clearInterval(ping);
      ws?.close();
    });
  });
  return {
    connected,
    lost,
    reconnects,
    retry: () => retryNow(),
    halt: () => {
      stopped = true;
    },
  };
}
