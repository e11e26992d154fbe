import { Title } from "@solidjs/meta";
import { A, createAsync } from "@solidjs/router";
import { For, Show } from "solid-js";
import type { Plan } from "../../../edge/contract/catalogue.ts";
import { ProductScreens } from "../components/product-screens.tsx";
import { catalogueText } from "../i18n/catalogue-text.ts";
import { useI18n } from "../i18n/i18n.tsx";
import { getCatalogue } from "../lib/server.ts";

export const route = { preload: () => getCatalogue() };

const price = (p: Plan, lang: string, free: string) =>
  p.priceCentsPerMonth === 0
    ? free
    : new Intl.NumberFormat(lang === "de" ? "de-DE" : "en-IE", {
        style: "currency",
        currency: p.currency.toUpperCase(),
        maximumFractionDigits: 0,
      }).format(p.priceCentsPerMonth / 100);

// Server-rendered and complete without JavaScript: this page ships almost none.
export default function Landing() {
  const { t, tn, lang } = useI18n();
  const catalogue = createAsync(() => getCatalogue(), { deferStream: true });
  return (
    <>
      <Title>InstantWorker</Title>
      <section class="hero">
        <h1>{t("hero.title")}</h1>
        <p class="lead">{t("hero.lead")}</p>
        <p>
          <A class="button primary" href="/sign-in">
            {t("hero.cta")}
          </A>
        </p>
        <p class="muted">{t("hero.note")}</p>
        <p>
          {t("hero.haveAccount")} <A href="/sign-in">{t("nav.signIn")}</A>
        </p>
      </section>
      <section aria-labelledby="how">
        <h2 id="how">{t("how.title")}</h2>
        <ol class="steps">
          <li>
            <h3>{t("how.1.title")}</h3>
            <p>{t("how.1.text")}</p>
          </li>
          <li>
            <h3>{t("how.2.title")}</h3>
            <p>{t("how.2.text")}</p>
          </li>
          <li>
            <h3>{t("how.3.title")}</h3>
            <p>{t("how.3.text")}</p>
          </li>
        </ol>
      </section>
      <ProductScreens />
      <Show when={catalogue()}>
        {(c) => (
          <>
            <section aria-labelledby="roles">
              <h2 id="roles">{t("roles.title")}</h2>
              <ul class="cards">
                <For each={c().roles}>
                  {(r) => (
                    <li class="card">
                      <h3>{catalogueText(lang, "role", r.id, r).name}</h3>
                      <p>{catalogueText(lang, "role", r.id, r).description}</p>
                    </li>
                  )}
                </For>
              </ul>
              <h3>{t("skills.title")}</h3>
              <ul class="tags">
                <For each={c().skills}>
                  {(s) => (
                    <li title={catalogueText(lang, "skill", s.id, s).description}>
                      {catalogueText(lang, "skill", s.id, s).name}
                    </li>
                  )}
                </For>
              </ul>
            </section>
            <section id="pricing" aria-labelledby="pricing-title">
              <h2 id="pricing-title">{t("pricing.title")}</h2>
              <ul class="cards pricing">
                <For each={c().plans}>
                  {(p) => (
                    <li class="card" data-plan={p.id}>
                      <h3>{catalogueText(lang, "plan", p.id, p).name}</h3>
                      <p class="price">
                        {price(p, lang, t("pricing.free"))}
                        <Show when={p.priceCentsPerMonth > 0}>
                          <small> {t("pricing.perMonth")}</small>
                        </Show>
                      </p>
                      <p>{tn("pricing.employees", p.maxEmployees)}</p>
                      <Show when={p.chatSessions}>
                        {(n) => <p data-testid="trial-chats">{tn("money.trialChats", n())}</p>}
                      </Show>
                      <ul>
                        <For each={p.includes}>
                          {(i) => <li>{catalogueText(lang, "include", i, { name: i }).name}</li>}
                        </For>
                      </ul>
                      <a
                        class={p.id === "trial" ? "button primary" : "button"}
                        href={p.id === "trial" ? "/sign-in" : "/account#plans"}
                      >
                        {p.id === "trial"
                          ? t("hero.cta")
                          : t("account.choose", {
                              plan: catalogueText(lang, "plan", p.id, p).name,
                            })}
                      </a>
                    </li>
                  )}
                </For>
              </ul>
            </section>
          </>
        )}
      </Show>
      <section aria-labelledby="faq">
        <h2 id="faq">{t("faq.title")}</h2>
        <For each={[1, 2, 3] as const}>
          {(n) => (
            <details>
              <summary>{t(`faq.${n}.q`)}</summary>
              <p>{t(`faq.${n}.a`)}</p>
            </details>
          )}
        </For>
      </section>
    </>
  );
}
