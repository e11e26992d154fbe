import { onCleanup, onMount } from "solid-js";

/**
 * A <details> menu closes when the visitor clicks elsewhere or presses Escape, as menus do.
 * Call in a component with a getter of its <details> (set by `ref`).
 */
export function dismissableMenu(menu: () => HTMLDetailsElement | undefined): void {
  const close = (e: Event) => {
    const el = menu();
    if (!el?.open) return;
    if (e instanceof KeyboardEvent ? e.key === "Escape" : !el.contains(e.target as Node)) {
      el.open = false;
    }
  };
  onMount(() => {
    document.addEventListener("click", close);
    document.addEventListener("keydown", close);
  });
  onCleanup(() => {
    if (typeof document === "undefined") return;
    document.removeEventListener("click", close);
    document.removeEventListener("keydown", close);
  });
}
