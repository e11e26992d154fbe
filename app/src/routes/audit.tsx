import { Title } from "@solidjs/meta";
import { createAsync, useSearchParams } from "@solidjs/router";
import { Show } from "solid-js";
import { can } from "../../../edge/contract/team.ts";
import { type AuditFilters, AuditLog } from "../components/audit-log.tsx";
import { useI18n } from "../i18n/i18n.tsx";
import { requireMe } from "../lib/server.ts";

const one = (v: string | string[] | undefined) => (typeof v === "string" && v ? v : undefined);

// The audit log, for admins and the owner (members are told so; the API answers them 403 too).
// The filters live in the URL, so a filtered view can be reloaded and shared.
export default function Audit() {
  const { t } = useI18n();
  const me = createAsync(() => requireMe(), { deferStream: true });
  const [search, setSearch] = useSearchParams();
  const filters = (): AuditFilters => ({
    action: one(search.action),
    actor: one(search.actor),
    from: one(search.from),
    to: one(search.to),
  });
  return (
    <section>
      <Title>{t("audit.title")} · InstantWorker</Title>
      <h1>{t("audit.title")}</h1>
      <Show when={me()} fallback={<p>{t("common.loading")}</p>}>
        {(m) => (
          <Show
            when={can(m().account.role, "audit.read")}
            fallback={
              <p class="alert" role="alert">
                {t("apiError.forbidden_role")}
              </p>
            }
          >
            <p class="muted">{t("audit.lead", { team: m().account.name })}</p>
            <AuditLog
              filters={filters()}
              onApply={(f) =>
                setSearch({
                  action: f.action || undefined,
                  actor: f.actor || undefined,
                  from: f.from || undefined,
                  to: f.to || undefined,
                })
              }
            />
          </Show>
        )}
      </Show>
    </section>
  );
}
