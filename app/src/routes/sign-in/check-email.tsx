import { Title } from "@solidjs/meta";
import { A, useSearchParams } from "@solidjs/router";
import { useI18n } from "../../i18n/i18n.tsx";

export default function CheckEmail() {
  const { t } = useI18n();
  const [params] = useSearchParams();
  const email = () => (typeof params.email === "string" ? params.email : "");
  return (
    <section class="narrow">
      <Title>{t("signIn.check.title")} · InstantWorker</Title>
      <h1>{t("signIn.check.title")}</h1>
      <p>{t("signIn.check.text", { email: email() })}</p>
      <p>
        <A href="/sign-in">{t("signIn.check.again")}</A>
      </p>
    </section>
  );
}
