import { type Accessor, createSignal, onMount } from "solid-js";

export type Load<T> =
  | { state: "loading" }
  | { state: "error"; error: unknown }
  | { state: "ready"; value: T };

// Data a panel fetches in the browser once it is on screen: the server renders the loading state
// (it has no session-bound client of its own here), and a failure is shown with a retry rather
// than thrown into the page. `reload` keeps the old value on screen while it fetches.
export function createLoad<T>(fetcher: () => Promise<T>): {
  load: Accessor<Load<T>>;
  value: Accessor<T | undefined>;
  reload: () => Promise<void>;
  set: (update: (value: T) => T) => void;
} {
  const [load, setLoad] = createSignal<Load<T>>({ state: "loading" });
  let generation = 0;
  const reload = async () => {
    const mine = ++generation;
    try {
      const value = await fetcher();
      if (mine === generation) setLoad({ state: "ready", value });
    } catch (error) {
      if (mine === generation) setLoad({ state: "error", error });
    }
  };
  onMount(() => void reload());
  const value = () => {
    const l = load();
    return l.state === "ready" ? l.value : undefined;
  };
  const set = (update: (value: T) => T) => {
    const l = load();
    if (l.state === "ready") setLoad({ state: "ready", value: update(l.value) });
  };
  return { load, value, reload, set };
}
