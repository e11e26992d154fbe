import { createMemo, createSignal, For, Match, Show, Switch } from "solid-js";
import type { Backup } from "../../../../edge/contract/backup.ts";
import { type Employee, RESTORE_ALLOWED_FROM } from "../../../../edge/contract/employee.ts";
import { can, type TeamRole } from "../../../../edge/contract/team.ts";
import { useI18n } from "../../i18n/i18n.tsx";
import { useApi } from "../../lib/api-context.tsx";
import { createBackupStore } from "../../lib/backup-store.ts";
import type { BackupFeed } from "../../lib/live.ts";
import { apiMessage } from "../../lib/messages.ts";
import { dayKey, dayLabel } from "./backup-day.ts";
import { BackupItem } from "./backup-item.tsx";
import { BackupNow } from "./backup-now.tsx";
import { RestoreDialog } from "./restore-dialog.tsx";
import { createNow } from "./restored-from.tsx";
import "../../i18n/backups-texts.ts";
import "../../styles/backups.css";

/** How many restore points show at first, and how many more each "Show older backups" adds. */
export const BACKUPS_PAGE = 20;

// The workspace's Backups tab (loaded when first opened): the employee's restore points newest
// first, grouped by day, kept current by the live socket; "Back up now" and Restore for those who
// manage employees, the list alone for members (the API refuses them the rest with 403).
export function BackupsPanel(props: {
  employee: Employee;
  role: TeamRole;
  feed?: BackupFeed;
  onChange: (e: Employee) => void;
}) {
  const { t, lang } = useI18n();
  const api = useApi();
  const store = createBackupStore({ api, employeeId: props.employee.id, feed: props.feed });
  const now = createNow();
  const [shown, setShown] = createSignal(BACKUPS_PAGE);
  const [asking, setAsking] = createSignal<Backup | null>(null);
  const manages = () => can(props.role, "employees.manage");
  const name = () => props.employee.name;
  const restoring = () => props.employee.status === "restoring";
  // Restore is off, with the sentence saying why, while the status allows none.
  const restoreBlockedBy = () =>
    restoring()
      ? "backups-restoring"
      : RESTORE_ALLOWED_FROM.includes(props.employee.status)
        ? null
        : "restore-why";
  // Days and backups by id, plain strings: a frame that moves one backup on redraws that row's
  // content only (store.get), and a focused button in it stays focused.
  const visible = createMemo(() => store.list().slice(0, shown()));
  const days = createMemo(() => [...new Set(visible().map((b) => dayKey(b.createdAt)))]);
  const idsOf = (day: string) =>
    visible()
      .filter((b) => dayKey(b.createdAt) === day)
      .map((b) => b.id);
  const state = () => store.state();
  return (
    <section class="backups" aria-labelledby="backups-title" data-testid="backups">
      <div class="backups-head">
        <h2 id="backups-title">{t("backups.title")}</h2>
        <Show when={manages()}>
          <BackupNow
            employee={props.employee}
            pending={store.pending() !== undefined}
            onStarted={store.add}
          />
        </Show>
      </div>
      <p class="muted backups-lead">{t("backups.lead", { name: name() })}</p>
      <Show when={restoring()}>
        <p class="notice" data-tone="warning" id="backups-restoring">
          {t("backups.restoring", { name: name() })}
        </p>
      </Show>
      <Show when={!manages()}>
        <p class="notice" data-testid="backups-read-only">
          {t("backups.readOnly")}
        </p>
      </Show>
      <Show when={manages() && restoreBlockedBy() === "restore-why"}>
        <p class="muted" id="restore-why">
          {t("backups.restore.why", { name: name() })}
        </p>
      </Show>
      <Switch>
        <Match when={state().state === "loading"}>
          <p class="muted" aria-busy="true" data-state="loading">
            {t("common.loading")}
          </p>
        </Match>
        <Match when={state().state === "error" && store.list().length === 0}>
          <div class="alert" role="alert" data-state="error">
            <p>{apiMessage((state() as { error: unknown }).error, t, lang)}</p>
            <button class="button small" type="button" onClick={() => void store.reload()}>
              {t("common.retry")}
            </button>
          </div>
        </Match>
        <Match when={store.list().length === 0}>
          <p class="empty" data-state="empty">
            {t("backups.empty", { name: name() })}
          </p>
        </Match>
        <Match when={true}>
          <For each={days()}>
            {(day, i) => (
              <section class="backup-day" aria-labelledby={`backup-day-${i()}`}>
                <h3 id={`backup-day-${i()}`}>{dayLabel(day, now(), lang)}</h3>
                <ul class="backup-list">
                  <For each={idsOf(day)}>
                    {(id) => (
                      <Show when={store.get(id)}>
                        {(b) => (
                          <BackupItem
                            backup={b()}
                            now={now()}
                            manage={manages()}
                            restoreBlockedBy={restoreBlockedBy()}
                            onRestore={() => setAsking(b())}
                          />
                        )}
                      </Show>
                    )}
                  </For>
                </ul>
              </section>
            )}
          </For>
          <Show when={store.list().length > shown()}>
            <button
              class="button backups-older"
              type="button"
              onClick={() => setShown((n) => n + BACKUPS_PAGE)}
            >
              {t("backups.older")}
            </button>
          </Show>
        </Match>
      </Switch>
      <Show when={asking()}>
        {(b) => (
          <RestoreDialog
            employee={props.employee}
            backup={b()}
            now={now()}
            onRestoring={props.onChange}
            onStale={() => void store.reload()}
            onClose={() => setAsking(null)}
          />
        )}
      </Show>
    </section>
  );
}

export default BackupsPanel;
