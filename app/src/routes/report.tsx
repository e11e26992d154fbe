import { Title } from "@solidjs/meta";
import { createAsync } from "@solidjs/router";
import { Show } from "solid-js";
import { can } from "../../../edge/contract/team.ts";
import { TeamReport } from "../components/work/team-report.tsx";
import { useI18n } from "../i18n/i18n.tsx";
import { requireMe } from "../lib/server.ts";

export const route = { preload: () => requireMe() };

// The team's weekly report card (issue 18): what the employees did, what it cost, the approvals
// they asked for and the hours they saved. Every member of the team may read it (work.read).
export default function Report() {
  const { t } = useI18n();
  const me = createAsync(() => requireMe(), { deferStream: true });
  return (
    <section class="work-tab">
      <Title>{t("report.title")} · InstantWorker</Title>
      <h1>{t("report.title")}</h1>
      <Show when={me()} fallback={<p>{t("common.loading")}</p>}>
        {(m) => (
          <Show
            when={can(m().account.role, "work.read")}
            fallback={
              <p class="alert" role="alert">
                {t("apiError.forbidden_role")}
              </p>
            }
          >
            <TeamReport />
          </Show>
        )}
      </Show>
    </section>
  );
}
