import { Show } from "solid-js";
import type { Backup, BackupProgress } from "../../../../edge/contract/backup.ts";
import { useI18n } from "../../i18n/i18n.tsx";

import { timeOfDay } from "./backup-day.ts";
import { backupSize, progressText, REASON_TEXT, STATUS_TONE } from "./backup-text.ts";
import { exactTime, relativeTime, shortTime } from "./restored-from.tsx";

// One restore point: when (the time of day under its day's heading, how long ago, the exact
// moment as its title), why it was taken, its size, its state (a bar while it is taken or
// restored, why it failed) and, for those who may, Restore.
export function BackupItem(props: {
  backup: Backup;
  now: number;
  manage: boolean;
  /** Why Restore is off (the id of the sentence saying so), or null when it may be pressed. */
  restoreBlockedBy: string | null;
  onRestore: () => void;
}) {
  const { t, lang } = useI18n();
  const b = () => props.backup;
  return (
    <li class="backup" data-backup={b().id} data-status={b().status}>
      <p class="backup-when">
        <time datetime={b().createdAt} title={exactTime(b().createdAt, lang)}>
          {timeOfDay(b().createdAt, lang)}
        </time>{" "}
        <span class="muted">{relativeTime(b().createdAt, props.now, lang)}</span>
      </p>
      <p class="backup-what">
        <span>{t(REASON_TEXT[b().reason])}</span>
        <Show when={b().sizeBytes > 0}>
          <span class="muted"> · {backupSize(b().sizeBytes, lang)}</span>
        </Show>
      </p>
      <div class="backup-state">
        <span class="badge" data-tone={STATUS_TONE[b().status]}>
          {t(`backups.status.${b().status}`)}
        </span>
        <Show when={b().progress}>{(p) => <Progress progress={p()} />}</Show>
        <Show when={b().status === "failed"}>
          <FailedWhy error={b().error} />
        </Show>
      </div>
      <Show when={props.manage && b().status === "complete"}>
        <button
          class="button small backup-restore"
          type="button"
          disabled={props.restoreBlockedBy !== null}
          aria-label={t("backups.restore.label", { time: shortTime(b().createdAt, lang) })}
          aria-describedby={props.restoreBlockedBy ?? undefined}
          onClick={() => props.onRestore()}
        >
          {t("backups.restore")}
        </button>
      </Show>
    </li>
  );
}

// A bar with how far it is, and the same in words (the bar alone says nothing to a screen
// reader that the words do not). Without a total yet, the bar has no value: it moves by itself.
function Progress(props: { progress: BackupProgress }) {
  const { t, lang } = useI18n();
  const text = () => progressText(props.progress, t, lang);
  const total = () => props.progress.bytesTotal;
  return (
    <span class="backup-progress">
      <Show when={total()} fallback={<progress aria-label={text()} />}>
        {(max) => (
          <progress
            max={max()}
            value={Math.min(props.progress.bytesDone, max())}
            aria-label={text()}
          />
        )}
      </Show>
      <span class="muted">{text()}</span>
    </span>
  );
}

// Why it failed: the edge says it in English; others read that it failed, with its words kept as
// technical details.
function FailedWhy(props: { error: string | null }) {
  const { t, lang } = useI18n();
  return (
    <Show
      when={lang !== "en" || !props.error}
      fallback={<span class="backup-error">{props.error}</span>}
    >
      <span class="backup-error">{t("backups.failed")}</span>
      <Show when={props.error}>
        {(e) => (
          <details class="backup-details">
            <summary>{t("reason.details")}</summary>
            <p lang="en">{e()}</p>
          </details>
        )}
      </Show>
    </Show>
  );
}
