import { type Accessor, createEffect, createSignal, on, onCleanup, onMount } from "solid-js";
import type { Load } from "./load.ts";

// A list the API answers whole, kept current by the live socket's frames, each carrying one item's
// whole state (backups, channels, pairing requests): fetched once, then frames apply without
// fetching again. Frames that arrive while the list is being fetched are applied over its answer
// (the answer can be older than they are); an answer overtaken by a later fetch is dropped. After
// the socket comes back, frames may have been missed, so the list is fetched again.

export interface LiveCollectionOptions<T> {
  key: (item: T) => string;
  /** The whole list, as the API answers it. */
  fetch: () => Promise<readonly T[]>;
  /** Which of two states of one item to keep; by default the one given last. */
  merge?: (current: T | undefined, next: T) => T;
  /** Whether an item belongs here at all (another employee's does not). */
  accept?: (item: T) => boolean;
  /** Subscribes to the frames: `put` is called with each item one carries; answers the stop. */
  listen?: (put: (item: T) => void) => () => void;
  /** Changes each time the socket came back. */
  reconnects?: Accessor<unknown>;
  /** Fetched (and frames applied) only while true; by default at once, always. */
  enabled?: Accessor<boolean>;
}

export function createLiveCollection<T>(opts: LiveCollectionOptions<T>) {
  const [byKey, setByKey] = createSignal<Record<string, T>>({});
  const [state, setState] = createSignal<Load<null>>({ state: "loading" });
  const merge = opts.merge ?? ((_current: T | undefined, next: T) => next);
  const accept = opts.accept ?? (() => true);
  const enabled = opts.enabled ?? (() => true);
  // Frames that arrive while the list is being fetched: applied over its answer.
  let arrived: T[] | null = null;
  let generation = 0;

  const into = (all: Record<string, T>, item: T): Record<string, T> => {
    const k = opts.key(item);
    const next = merge(all[k], item);
    return next === all[k] ? all : { ...all, [k]: next };
  };
  const put = (item: T) => {
    if (accept(item)) setByKey((all) => into(all, item));
  };

  const reload = async () => {
    if (!enabled()) return;
    const mine = ++generation;
    arrived = [];
    try {
      const items = await opts.fetch();
      if (mine !== generation) return;
      // The answer is the whole list: what it no longer has goes, and what it has replaces the
      // page's (as `merge` decides), then the frames that came meanwhile apply over it.
      const before = byKey();
      let next: Record<string, T> = {};
      for (const item of items) {
        if (!accept(item)) continue;
        const k = opts.key(item);
        next[k] = merge(before[k], item);
      }
      for (const item of arrived ?? []) if (accept(item)) next = into(next, item);
      setByKey(next);
      setState({ state: "ready", value: null });
    } catch (error) {
      if (mine === generation) setState({ state: "error", error });
    } finally {
      if (mine === generation) arrived = null;
    }
  };

  onMount(() => {
    if (!opts.enabled) void reload();
    const listen = opts.listen;
    if (!listen) return;
    const stop = listen((item) => {
      if (!enabled()) return;
      arrived?.push(item);
      put(item);
    });
    onCleanup(stop);
  });
  // Fetched once it may be (at once for those who may), and again after a reconnect.
  if (opts.enabled) createEffect(on(opts.enabled, (yes) => void (yes && reload())));
  if (opts.reconnects) createEffect(on(opts.reconnects, () => void reload(), { defer: true }));

  return { byKey, put, state, reload };
}
