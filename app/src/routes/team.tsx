import { Title } from "@solidjs/meta";
import { createAsync, revalidate } from "@solidjs/router";
import { Show } from "solid-js";
import { TeamView } from "../components/team-view.tsx";
import { useI18n } from "../i18n/i18n.tsx";
import { getAccounts, requireMe } from "../lib/server.ts";

export default function Team() {
  const { t } = useI18n();
  const me = createAsync(() => requireMe(), { deferStream: true });
  return (
    <section class="medium">
      <Title>{t("team.title")} · InstantWorker</Title>
      <h1>{t("team.title")}</h1>
      <Show when={me()} fallback={<p>{t("common.loading")}</p>}>
        {(m) => (
          <TeamView
            me={{ userId: m().user.id, role: m().account.role, teamName: m().account.name }}
            onMyRoleChanged={() => revalidate([requireMe.key, getAccounts.key])}
            // The session no longer acts in this team: a fresh load shows where it acts now.
            onLeft={() => location.assign("/dashboard")}
          />
        )}
      </Show>
    </section>
  );
}
