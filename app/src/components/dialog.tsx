import { type JSX, onCleanup, onMount } from "solid-js";
import { Portal } from "solid-js/web";

// A modal dialog: focus moves in and is trapped while open, Escape closes it, and focus returns
// to whatever opened it.
export function Dialog(props: { title: string; onClose: () => void; children: JSX.Element }) {
  let panel: HTMLDivElement | undefined;
  const opener =
    typeof document !== "undefined" ? (document.activeElement as HTMLElement | null) : null;
  const focusable = () =>
    Array.from(
      panel?.querySelectorAll<HTMLElement>(
        "a[href], button:not([disabled]), input, select, textarea, [tabindex='0']",
      ) ?? [],
    );
  const onKey = (e: KeyboardEvent) => {
    if (e.key === "Escape") {
      e.preventDefault();
      props.onClose();
    } else if (e.key === "Tab") {
      const items = focusable();
      const first = items[0];
      const last = items[items.length - 1];
      if (!first || !last) return;
      if (e.shiftKey && document.activeElement === first) {
        e.preventDefault();
        last.focus();
      } else if (!e.shiftKey && document.activeElement === last) {
        e.preventDefault();
        first.focus();
      }
    }
  };
  onMount(() => {
    document.addEventListener("keydown", onKey);
    (focusable()[0] ?? panel)?.focus();
  });
  onCleanup(() => {
    document.removeEventListener("keydown", onKey);
    opener?.focus();
  });
  return (
    <Portal>
      {/* biome-ignore lint/a11y/noStaticElementInteractions: a mouse convenience; Escape (document listener) is the keyboard way out */}
      {/* biome-ignore lint/a11y/useKeyWithClickEvents: as above */}
      <div class="backdrop" onClick={(e) => e.target === e.currentTarget && props.onClose()}>
        <div
          class="dialog"
          role="dialog"
          aria-modal="true"
          aria-labelledby="dialog-title"
          ref={panel}
          tabindex="-1"
        >
          <h2 id="dialog-title">{props.title}</h2>
          {props.children}
        </div>
      </div>
    </Portal>
  );
}
