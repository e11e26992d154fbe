import { createSignal } from "solid-js";

// One live socket as the components see it (a ChatFeed, BackupFeed, ChannelFeed or AccountFeed:
// listen for frames, count reconnects), driven by the test: `emit` a frame, `reconnect` as after
// a drop. The fixtures of each tab wrap it with their own frames.
export function fakeFeed<F>() {
  const listeners = new Set<(frame: F) => void>();
  const [reconnects, setReconnects] = createSignal(0);
  return {
    feed: {
      listen(fn: (frame: F) => void) {
        listeners.add(fn);
        return () => void listeners.delete(fn);
      },
      reconnects,
    },
    emit: (frame: F) => {
      for (const fn of listeners) fn(frame);
    },
    reconnect: () => setReconnects((n) => n + 1),
  };
}
