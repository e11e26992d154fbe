import { createEffect, createSignal, For, on, Show } from "solid-js";
import type { AuditEventView } from "../../../edge/contract/audit.ts";
import type { RequestQuery } from "../../../edge/contract/endpoints.ts";
import { useI18n } from "../i18n/i18n.tsx";
import { useApi } from "../lib/api-context.tsx";
import {
  AUDIT_ACTION_TEXT,
  actionKey,
  deviceName,
  targetKey,
  targetLabel,
} from "../lib/audit-text.ts";
import { formatDateTime } from "../lib/format.ts";
import type { Load } from "../lib/load.ts";
import { LoadState } from "./load-state.tsx";

/** The page's filters as the URL keeps them: dates are the visitor's calendar days. */
export interface AuditFilters {
  action?: string;
  actor?: string;
  from?: string;
  to?: string;
}
export const AUDIT_PAGE_SIZE = 50;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

// Calendar days in the visitor's time zone → the instants the API filters by (from the start of
// the first day to the end of the last).
export function auditQuery(f: AuditFilters): RequestQuery<"GET /api/audit"> {
  const q: RequestQuery<"GET /api/audit"> = {};
  if (f.action) q.action = f.action;
  if (f.actor?.trim()) q.actor = f.actor.trim();
  if (f.from && DAY.test(f.from)) q.from = new Date(`${f.from}T00:00:00`).toISOString();
  if (f.to && DAY.test(f.to)) q.to = new Date(`${f.to}T23:59:59.999`).toISOString();
  return q;
}

/** The CSV of the same filters (every page of them), downloaded by the browser with the session. */
export function auditCsvHref(f: AuditFilters): string {
  const q = new URLSearchParams({ ...(auditQuery(f) as Record<string, string>), format: "csv" });
  return `/api/audit?${q}`;
}

export function AuditLog(props: { filters: AuditFilters; onApply: (f: AuditFilters) => void }) {
  const { t } = useI18n();
  const api = useApi();
  const [load, setLoad] = createSignal<Load<AuditEventView[]>>({ state: "loading" });
  const [next, setNext] = createSignal<string | null>(null);
  const [older, setOlder] = createSignal(false);
  let generation = 0;
  const fetchPage = async (before?: string) => {
    const query = { ...auditQuery(props.filters), limit: AUDIT_PAGE_SIZE };
    return api("GET /api/audit", { query: before ? { ...query, before } : query });
  };
  const first = async () => {
    const mine = ++generation;
    setLoad({ state: "loading" });
    try {
      const page = await fetchPage();
      if (mine !== generation) return;
      setLoad({ state: "ready", value: page.events });
      setNext(page.nextBefore);
    } catch (error) {
      if (mine === generation) setLoad({ state: "error", error });
    }
  };
  const more = async () => {
    const before = next();
    const l = load();
    if (!before || l.state !== "ready") return;
    const mine = generation;
    setOlder(true);
    try {
      const page = await fetchPage(before);
      if (mine !== generation) return;
      setLoad({ state: "ready", value: [...l.value, ...page.events] });
      setNext(page.nextBefore);
    } catch (error) {
      if (mine === generation) setLoad({ state: "error", error });
    } finally {
      setOlder(false);
    }
  };
  createEffect(
    on(
      () => JSON.stringify(props.filters),
      () => void first(),
    ),
  );
  return (
    <>
      <Filters filters={props.filters} onApply={props.onApply} />
      <p>
        <a class="button" href={auditCsvHref(props.filters)} download="audit.csv">
          {t("audit.csv")}
        </a>
      </p>
      <LoadState load={load()} empty={t("audit.empty")} onRetry={first}>
        {(events) => <AuditTable events={events} />}
      </LoadState>
      <Show when={load().state === "ready" && next()}>
        <div class="actions">
          <button class="button" type="button" disabled={older()} onClick={more}>
            {older() ? t("common.loading") : t("audit.older")}
          </button>
        </div>
      </Show>
    </>
  );
}

function Filters(props: { filters: AuditFilters; onApply: (f: AuditFilters) => void }) {
  const { t } = useI18n();
  const [action, setAction] = createSignal(props.filters.action ?? "");
  const [actor, setActor] = createSignal(props.filters.actor ?? "");
  const [from, setFrom] = createSignal(props.filters.from ?? "");
  const [to, setTo] = createSignal(props.filters.to ?? "");
  const apply = (e: SubmitEvent) => {
    e.preventDefault();
    props.onApply({ action: action(), actor: actor().trim(), from: from(), to: to() });
  };
  const reset = () => {
    setAction("");
    setActor("");
    setFrom("");
    setTo("");
    props.onApply({});
  };
  return (
    <form class="card filters" onSubmit={apply} aria-label={t("audit.filters")}>
      <label class="field">
        <span>{t("audit.action")}</span>
        <select name="action" value={action()} onChange={(e) => setAction(e.currentTarget.value)}>
          <option value="" selected={action() === ""}>
            {t("audit.anyAction")}
          </option>
          <For each={Object.entries(AUDIT_ACTION_TEXT)}>
            {([a, key]) => (
              <option value={a} selected={a === action()}>
                {t(key)}
              </option>
            )}
          </For>
        </select>
      </label>
      <label class="field">
        <span>{t("audit.person")}</span>
        <input
          type="search"
          name="actor"
          value={actor()}
          onInput={(e) => setActor(e.currentTarget.value)}
        />
      </label>
      <label class="field">
        <span>{t("audit.from")}</span>
        <input
          type="date"
          name="from"
          value={from()}
          onInput={(e) => setFrom(e.currentTarget.value)}
        />
      </label>
      <label class="field">
        <span>{t("audit.to")}</span>
        <input type="date" name="to" value={to()} onInput={(e) => setTo(e.currentTarget.value)} />
      </label>
      <div class="actions">
        <button class="button primary" type="submit">
          {t("audit.apply")}
        </button>
        <button class="button" type="button" onClick={reset}>
          {t("audit.reset")}
        </button>
      </div>
    </form>
  );
}

export function AuditTable(props: { events: AuditEventView[] }) {
  const { t, lang } = useI18n();
  const cols = () => ({
    time: t("audit.time"),
    who: t("audit.who"),
    what: t("audit.what"),
    target: t("audit.target"),
    where: t("audit.where"),
  });
  return (
    <table class="audit">
      <thead>
        <tr>
          <th scope="col">{cols().time}</th>
          <th scope="col">{cols().who}</th>
          <th scope="col">{cols().what}</th>
          <th scope="col">{cols().target}</th>
          <th scope="col">{cols().where}</th>
        </tr>
      </thead>
      <tbody>
        <For each={props.events}>
          {(e) => {
            const key = actionKey(e.action);
            const type = e.target ? targetKey(e.target.type) : null;
            return (
              <tr data-action={e.action}>
                <td data-label={cols().time}>
                  <time datetime={e.at}>{formatDateTime(e.at, lang)}</time>
                </td>
                <td data-label={cols().who}>{e.actor?.email ?? t("audit.system")}</td>
                <td data-label={cols().what}>{key ? t(key) : e.action}</td>
                <td data-label={cols().target}>
                  <Show when={e.target}>
                    {(target) => (
                      <>
                        <span class="muted">{type ? t(type) : target().type}</span>{" "}
                        <span class="wrap">{targetLabel(e)}</span>
                      </>
                    )}
                  </Show>
                </td>
                <td data-label={cols().where}>
                  <span>{e.ip ?? ""}</span>
                  <Show when={e.userAgent}>
                    <span class="muted small" title={e.userAgent ?? ""}>
                      {" "}
                      {deviceName(e.userAgent)}
                    </span>
                  </Show>
                </td>
              </tr>
            );
          }}
        </For>
      </tbody>
    </table>
  );
}
