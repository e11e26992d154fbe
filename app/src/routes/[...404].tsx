import { Title } from "@solidjs/meta";
import { A } from "@solidjs/router";
import { HttpStatusCode } from "@solidjs/start";
import { useI18n } from "../i18n/i18n.tsx";

// Any address without a page: said in the visitor's language, with the status a crawler needs.
export default function NotFound() {
  const { t } = useI18n();
  return (
    <section class="narrow">
      <Title>{t("notFound.title")} · InstantWorker</Title>
      <HttpStatusCode code={404} />
      <h1>{t("notFound.title")}</h1>
      <p>
        {t("notFound.text")} <A href="/">{t("notFound.home")}</A>.
      </p>
    </section>
  );
}
