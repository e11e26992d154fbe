import { A } from "@solidjs/router";
import { createSignal, Match, onCleanup, onMount, Show, Switch } from "solid-js";
import { isServer } from "solid-js/web";
import { BrowserPage } from "../../../../edge/contract/browser-view.ts";
import { useI18n } from "../../i18n/i18n.tsx";
import { ApiFailure } from "../../lib/api.ts";
import { useApi } from "../../lib/api-context.tsx";
import { apiMessage } from "../../lib/messages.ts";
import { toast } from "../toasts.tsx";
import {
  type BrowserGrant,
  browserGrant,
  MAX_TRIES,
  PAGE_POLL_MS,
  RENEW_MARGIN_MS,
  type RfbClass,
  type RfbLike,
  retryDelay,
  socketProtocols,
} from "./browser-access.ts";
import "../../styles/browser.css";
import "../../i18n/workspace-texts.ts";

export type BrowserState =
  | "connecting"
  | "starting"
  | "connected"
  | "disconnected"
  | "unavailable"
  | "paywall";

// noVNC only in the browser, loaded when the view opens (it touches the DOM at import).
const loadNoVnc = async (): Promise<RfbClass> =>
  isServer
    ? Promise.reject(new Error("no VNC on the server"))
    : (await import("@novnc/novnc")).default;

// The employee's browser, live: our own noVNC client (RFB) straight to websockify through the
// node's access proxy, with none of noVNC's page around it. View-only until the person takes
// control; the page it is on above the screen; "starting the browser" while the VNC endpoint is
// not up yet (retried with a growing pause), and Reconnect once the connection is lost.
export function BrowserView(props: {
  employeeId: string;
  /** Component tests hand in a stand-in for noVNC's RFB and for fetch. */
  loadRfb?: () => Promise<RfbClass>;
  fetch?: typeof fetch;
}) {
  const { t, lang } = useI18n();
  const api = useApi();
  const [state, setState] = createSignal<BrowserState>("connecting");
  const [control, setControl] = createSignal(false);
  const [page, setPage] = createSignal<BrowserPage | null>(null);
  let screen!: HTMLDivElement;
  let rfb: RfbLike | undefined;
  let grant: BrowserGrant | null = null;
  let tries = 0;
  let disposed = false;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  let renewTimer: ReturnType<typeof setTimeout> | undefined;
  let pageTimer: ReturnType<typeof setInterval> | undefined;

  // A grant is reused while it has time left: retries must not spend the person's access quota.
  const freshGrant = async (): Promise<BrowserGrant | null> => {
    if (grant && grant.expiresAt - Date.now() > RENEW_MARGIN_MS) return grant;
    try {
      const access = await api("POST /api/employees/:id/access", {
        params: { id: props.employeeId },
        query: { service: "browser" },
      });
      grant = browserGrant(access);
      if (!grant) setState("unavailable");
      return grant;
    } catch (err) {
      if (err instanceof ApiFailure && err.status === 404) setState("unavailable");
      else if (err instanceof ApiFailure && err.code === "chat_views_exhausted")
        setState("paywall");
      else {
        toast(apiMessage(err, t, lang));
        setState("disconnected");
      }
      return null;
    }
  };

  // Forgets the current connection; its disconnect event then changes nothing.
  const drop = () => {
    const old = rfb;
    rfb = undefined;
    clearInterval(pageTimer);
    old?.disconnect();
  };

  const readPage = async () => {
    if (!grant) return;
    try {
      const res = await (props.fetch ?? fetch)(grant.pageUrl, {
        headers: { authorization: `Bearer ${grant.token}` },
      });
      const body = BrowserPage.safeParse(res.ok ? await res.json() : null);
      if (body.success) setPage(body.data);
    } catch {
      // The page is a nicety: the last one known stays until the next answer.
    }
  };

  const connect = async () => {
    clearTimeout(retryTimer);
    const g = await freshGrant();
    if (!g || disposed) return;
    const RFB = await (props.loadRfb ?? loadNoVnc)();
    if (disposed) return;
    drop();
    const r = new RFB(screen, g.socketUrl, { shared: true, wsProtocols: socketProtocols(g) });
    r.viewOnly = !control();
    r.scaleViewport = true;
    r.resizeSession = false;
    r.showDotCursor = false;
    r.background = "transparent";
    let opened = false;
    r.addEventListener("connect", () => {
      if (rfb !== r) return;
      opened = true;
      tries = 0;
      setState("connected");
      clearTimeout(renewTimer);
      // The proxy ends the socket when its grant expires: a new one takes over before that.
      renewTimer = setTimeout(connect, Math.max(5_000, g.expiresAt - Date.now() - RENEW_MARGIN_MS));
      void readPage();
      pageTimer = setInterval(readPage, PAGE_POLL_MS);
    });
    r.addEventListener("disconnect", () => {
      if (rfb !== r || disposed) return;
      rfb = undefined;
      clearInterval(pageTimer);
      clearTimeout(renewTimer);
      // Closed before it ever opened: websockify or the VNC server is not up yet.
      if (!opened && tries < MAX_TRIES) {
        setState("starting");
        retryTimer = setTimeout(connect, retryDelay(tries++));
      } else setState("disconnected");
    });
    rfb = r;
  };

  const reconnect = () => {
    tries = 0;
    setState("connecting");
    void connect();
  };

  const toggleControl = () => {
    setControl(!control());
    if (!rfb) return;
    rfb.viewOnly = !control();
    if (control()) rfb.focus();
  };

  onMount(() => void connect());
  onCleanup(() => {
    disposed = true;
    clearTimeout(retryTimer);
    clearTimeout(renewTimer);
    drop();
  });

  return (
    <section class="browser-view" data-state={state()} aria-label={t("browser.screen")}>
      <header class="browser-bar">
        <div class="browser-page" title={page()?.url ?? ""}>
          <span class="browser-title">{page()?.title || t("browser.noPage")}</span>
          <Show when={page()?.url}>
            <span class="browser-url">{page()?.url}</span>
          </Show>
        </div>
        <span class="browser-mode">
          {control() ? t("browser.controlling") : t("browser.watching")}
        </span>
        <button
          type="button"
          class={control() ? "button" : "button primary"}
          aria-pressed={control()}
          disabled={state() !== "connected"}
          onClick={toggleControl}
        >
          {control() ? t("browser.giveBack") : t("browser.takeControl")}
        </button>
      </header>
      <div class="browser-stage" classList={{ controlled: control() }}>
        <div class="browser-screen" ref={screen} />
        <Show when={state() !== "connected"}>
          <div class="browser-overlay" role={state() === "paywall" ? "alert" : "status"}>
            <Switch>
              <Match when={state() === "connecting"}>
                <span class="spinner" aria-hidden="true" />
                <p>{t("browser.connecting")}</p>
              </Match>
              <Match when={state() === "starting"}>
                <span class="spinner" aria-hidden="true" />
                <p>{t("browser.starting")}</p>
              </Match>
              <Match when={state() === "disconnected"}>
                <p>{t("browser.disconnected")}</p>
                <button type="button" class="button primary" onClick={reconnect}>
                  {t("browser.reconnect")}
                </button>
              </Match>
              <Match when={state() === "unavailable"}>
                <p>{t("workspace.accessUnavailable")}</p>
              </Match>
              <Match when={state() === "paywall"}>
                <h2>{t("paywall.title")}</h2>
                <p>{t("paywall.text")}</p>
                <A class="button primary" href="/account">
                  {t("account.upgrade")}
                </A>
              </Match>
            </Switch>
          </div>
        </Show>
      </div>
    </section>
  );
}
