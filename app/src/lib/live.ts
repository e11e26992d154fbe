import { createSignal, onCleanup, onMount } from "solid-js";
import type { Employee } from "../../../edge/contract/employee.ts";
import { LIVE_PING, parseLiveFrame } from "../../../edge/contract/live.ts";
import { backoffDelay } from "../../../edge/protocol/backoff.ts";

export const LIVE_RETRY_BASE_MS = 500;
export const LIVE_RETRY_MAX_MS = 15_000;
export const LIVE_PING_MS = 25_000;

// An employee kept current by its live status socket (no polling). Reconnects with the shared
// backoff (edge/protocol/backoff.ts: jittered, so a deploy does not bring every browser back at
// once); `removed` turns true when the employee is fired. `dropped` is true from the moment an
// open socket (or an attempt to open one) fails until one opens again; `reconnect` tries at once
// instead of after the backoff (a Retry button).
export function createLiveEmployee(id: string, initial: Employee) {
  const [employee, setEmployee] = createSignal<Employee>(initial);
  const [removed, setRemoved] = createSignal(false);
  const [connected, setConnected] = createSignal(false);
  const [dropped, setDropped] = createSignal(false);
  let reconnectNow = () => {};
  onMount(() => {
    let ws: WebSocket | undefined;
    let attempt = 0;
    let stopped = false;
    let retry: ReturnType<typeof setTimeout> | undefined;
    let ping: ReturnType<typeof setInterval> | undefined;
    const open = () => {
      const url = new URL(`/api/employees/${encodeURIComponent(id)}/live`, location.href);
      url.protocol = url.protocol === "https:" ? "wss:" : "ws:";
      ws = new WebSocket(url);
      ws.onopen = () => {
        attempt = 0;
        setConnected(true);
        setDropped(false);
        ping = setInterval(() => ws?.send(LIVE_PING), LIVE_PING_MS);
      };
      ws.onmessage = (e) => {
        const frame = parseLiveFrame(e.data);
        if (frame?.type === "status" && frame.employee) setEmployee(frame.employee);
        if (frame?.type === "removed") {
          setRemoved(true);
          stopped = true;
        }
      };
      ws.onclose = () => {
        setConnected(false);
        clearInterval(ping);
        if (stopped) return;
        setDropped(true);
        attempt++;
        retry = setTimeout(
          open,
          backoffDelay(attempt, { baseMs: LIVE_RETRY_BASE_MS, maxMs: LIVE_RETRY_MAX_MS }),
        );
      };
    };
    open();
    reconnectNow = () => {
      if (stopped || connected()) return;
      clearTimeout(retry);
      // The attempt still under way is abandoned quietly: its close must not schedule another.
      if (ws) {
        ws.onopen = ws.onmessage = ws.onclose = null;
        ws.close();
      }
      open();
    };
    onCleanup(() => {
      stopped = true;
      clearTimeout(retry);
      clearInterval(ping);
      ws?.close();
    });
  });
  return { employee, removed, connected, setEmployee, dropped, reconnect: () => reconnectNow() };
}
