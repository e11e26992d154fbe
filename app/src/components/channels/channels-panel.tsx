import { For, Match, Show, Switch } from "solid-js";
import type { Employee } from "../../../../edge/contract/employee.ts";
import { can, type TeamRole } from "../../../../edge/contract/team.ts";
import { useI18n } from "../../i18n/i18n.tsx";
import { useApi } from "../../lib/api-context.tsx";
import { CHANNEL_ORDER, createChannelStore } from "../../lib/channels.ts";
import type { ChannelFeed } from "../../lib/live.ts";
import { apiMessage } from "../../lib/messages.ts";
import type { PairingStore } from "../../lib/pairing.ts";
import { ChannelCard } from "./channel-card.tsx";
import { PairingList } from "./pairing-list.tsx";
import "../../i18n/workspace-texts.ts";
import "../../i18n/channels-texts.ts";
import "../../styles/channels.css";

// The workspace's Channels tab (loaded when first opened): where the employee is reached besides
// the web chat. A card per kind, email first (every employee has an address), each with its live
// state; for admins the strangers waiting for a decision, and the ways to connect, test, pause,
// change and remove. Members see the cards only (the API refuses them the rest with 403).
export function ChannelsPanel(props: {
  employee: Employee;
  role: TeamRole;
  feed?: ChannelFeed;
  /** The workspace's pairing requests (it counts them on the tab); admins only. */
  pairing?: PairingStore;
  /** Where "Add to Slack" sends the browser; tests look instead of leaving. */
  go?: (url: string) => void;
}) {
  const { t, lang } = useI18n();
  const store = createChannelStore({
    api: useApi(),
    employeeId: props.employee.id,
    feed: props.feed,
  });
  const manages = () => can(props.role, "employees.manage");
  const name = () => props.employee.name;
  const state = () => store.state();
  const go = (url: string) => (props.go ? props.go(url) : location.assign(url));
  return (
    <section class="channels" aria-labelledby="channels-title" data-testid="channels">
      <h2 id="channels-title">{t("channels.title")}</h2>
      <p class="muted channels-lead">{t("channels.lead", { name: name() })}</p>
      <Show when={!manages()}>
        <p class="notice" data-testid="channels-read-only">
          {t("channels.readOnly")}
        </p>
      </Show>
      <Show when={manages() && props.pairing}>
        {(pairing) => <PairingList store={pairing()} employeeName={name()} />}
      </Show>
      <Switch>
        <Match when={state().state === "loading"}>
          <p class="muted" aria-busy="true" data-state="loading">
            {t("common.loading")}
          </p>
        </Match>
        <Match when={state().state === "error"}>
          <div class="alert" role="alert" data-state="error">
            <p>{apiMessage((state() as { error: unknown }).error, t, lang)}</p>
            <button class="button small" type="button" onClick={() => void store.reload()}>
              {t("common.retry")}
            </button>
          </div>
        </Match>
        <Match when={true}>
          <div class="channel-cards">
            {/* By kind, not by view: a frame changes a card's content, never which cards there
                are, so a half-typed form and an open "Settings" survive it. */}
            <For each={CHANNEL_ORDER}>
              {(kind) => (
                <ChannelCard
                  channel={store.get(kind)}
                  employee={props.employee}
                  manages={manages()}
                  store={store}
                  go={go}
                />
              )}
            </For>
          </div>
        </Match>
      </Switch>
    </section>
  );
}

export default ChannelsPanel;
