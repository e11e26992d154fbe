import { createSignal, onCleanup, onMount, Show } from "solid-js";
import { useI18n } from "../../i18n/i18n.tsx";

/** "9:58", "1:02:03": what is left, to the second. */
export function formatLeft(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return hh > 0 ? `${hh}:${String(mm).padStart(2, "0")}:${ss}` : `${mm}:${ss}`;
}

// When a request expires, counting down each second, and "Expired" once it has. The server
// renders the time without the count (it ticks in the browser only). Not a live region: a screen
// reader hears it when it reaches the card, not every second.
export function Countdown(props: { until: string }) {
  const { t } = useI18n();
  const [now, setNow] = createSignal<number | null>(null);
  onMount(() => {
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 1000);
    onCleanup(() => clearInterval(timer));
  });
  const left = () => {
    const n = now();
    return n === null ? null : Date.parse(props.until) - n;
  };
  return (
    <time datetime={props.until} data-testid="countdown" data-expired={(left() ?? 1) <= 0}>
      <Show when={left() !== null}>
        {(left() ?? 0) > 0
          ? t("approvals.expiresIn", { time: formatLeft(left() ?? 0) })
          : t("approvals.expired")}
      </Show>
    </time>
  );
}
