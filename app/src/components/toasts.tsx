import { createSignal, For } from "solid-js";

export const TOAST_MS = 6000;
interface Toast {
  id: number;
  text: string;
  kind: "error" | "info";
}
const [toasts, setToasts] = createSignal<Toast[]>([]);
let next = 0;

export function toast(text: string, kind: Toast["kind"] = "error"): void {
  const id = ++next;
  setToasts((list) => [...list, { id, text, kind }]);
  setTimeout(() => setToasts((list) => list.filter((x) => x.id !== id)), TOAST_MS);
}

export function Toasts() {
  return (
    <div class="toasts" aria-live="assertive">
      <For each={toasts()}>{(x) => <div class={`toast toast-${x.kind}`}>{x.text}</div>}</For>
    </div>
  );
}
