import { createEffect, createSignal, For, on, Show } from "solid-js";
import type { PairingRequestView } from "../../../../edge/contract/channels.ts";
import type { MemberView } from "../../../../edge/contract/team.ts";
import { useI18n } from "../../i18n/i18n.tsx";
import { useApi } from "../../lib/api-context.tsx";
import { formatDateTime } from "../../lib/format.ts";
import type { PairingStore } from "../../lib/pairing.ts";
import { LoadState } from "../load-state.tsx";
import { toast } from "../toasts.tsx";
import { channelError, kindName } from "./channel-text.ts";

const who = (r: PairingRequestView): string => r.sender.name || r.sender.email || r.sender.id;

// Strangers who wrote to the employee (or, without `employeeName`, to any of the team's: the Team
// page), for an admin to allow or block (live where the page has the socket: a new request
// appears, a decided one leaves). Allowing can say who it is: a member, so the same person is
// known on that channel everywhere in the account from then on.
export function PairingList(props: { store: PairingStore; employeeName?: string }) {
  const { t } = useI18n();
  const api = useApi();
  // The team, to link a sender to: fetched once there is someone to link.
  const [members, setMembers] = createSignal<MemberView[]>([]);
  createEffect(
    on(
      () => props.store.pending().length > 0,
      (any) => {
        if (any && members().length === 0)
          api("GET /api/team/members").then(
            (res) => setMembers(res.members),
            () => {},
          );
      },
    ),
  );
  const load = () => {
    const s = props.store.state();
    return s.state === "ready" ? { state: "ready" as const, value: props.store.pending() } : s;
  };
  return (
    <section class="card pairing" aria-labelledby="pairing-title" data-testid="pairing">
      <h3 id="pairing-title">
        {t("pairing.title")}{" "}
        <Show when={props.store.pending().length > 0}>
          <span class="badge" data-tone="warning">
            {props.store.pending().length}
          </span>
        </Show>
      </h3>
      <p class="muted small">
        {props.employeeName
          ? t("pairing.lead", { name: props.employeeName })
          : t("pairing.leadAll")}
      </p>
      <LoadState load={load()} empty={t("pairing.empty")} onRetry={() => void props.store.reload()}>
        {(requests) => (
          <ul class="pairing-list">
            <For each={requests}>
              {(r) => (
                <PairingItem
                  request={r}
                  members={members()}
                  named={props.employeeName === undefined}
                  store={props.store}
                />
              )}
            </For>
          </ul>
        )}
      </LoadState>
    </section>
  );
}

function PairingItem(props: {
  request: PairingRequestView;
  members: MemberView[];
  /** Name the employee written to (a list of every employee's requests). */
  named: boolean;
  store: PairingStore;
}) {
  const { t, tn, lang } = useI18n();
  const [link, setLink] = createSignal("");
  const [busy, setBusy] = createSignal(false);
  const [error, setError] = createSignal<unknown>(null);
  const r = () => props.request;
  const decide = async (decision: "allow" | "block") => {
    setBusy(true);
    setError(null);
    try {
      const userId = decision === "allow" && link() ? link() : undefined;
      await props.store.decide(r().id, userId ? { decision, userId } : { decision });
      toast(
        t(decision === "allow" ? "pairing.allowed" : "pairing.blocked", {
          who: who(r()),
          name: r().employeeName,
        }),
        "info",
      );
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  const selectId = () => `pairing-link-${r().id}`;
  return (
    <li class="pairing-item" data-request={r().id}>
      <div class="pairing-who">
        <strong>
          {t(props.named ? "pairing.fromTo" : "pairing.from", {
            who: who(r()),
            kind: kindName(r().kind, t),
            name: r().employeeName,
          })}
        </strong>
        <Show when={r().sender.email && r().sender.name}>
          <span class="muted small">{r().sender.email}</span>
        </Show>
        <Show when={r().preview}>
          <blockquote class="pairing-preview">{r().preview}</blockquote>
        </Show>
        <span class="muted small">
          {tn("pairing.messages", r().messageCount)} · {formatDateTime(r().createdAt, lang)}
        </span>
      </div>
      <div class="pairing-actions">
        <Show when={props.members.length > 0}>
          <label class="pairing-link" for={selectId()}>
            <span class="small">{t("pairing.link")}</span>
            <select id={selectId()} value={link()} onChange={(e) => setLink(e.currentTarget.value)}>
              <option value="">{t("pairing.link.none")}</option>
              <For each={props.members}>
                {(m) => <option value={m.userId}>{m.name || m.email}</option>}
              </For>
            </select>
          </label>
        </Show>
        <button
          class="button small primary"
          type="button"
          disabled={busy()}
          aria-label={t("pairing.allowLabel", { who: who(r()) })}
          onClick={() => void decide("allow")}
        >
          {t("pairing.allow")}
        </button>
        <button
          class="button small danger"
          type="button"
          disabled={busy()}
          aria-label={t("pairing.blockLabel", { who: who(r()) })}
          onClick={() => void decide("block")}
        >
          {t("pairing.block")}
        </button>
      </div>
      <Show when={error()}>
        {(err) => (
          <div class="alert" role="alert">
            <For each={channelError(err(), t, lang)}>{(line) => <p>{line}</p>}</For>
          </div>
        )}
      </Show>
    </li>
  );
}
