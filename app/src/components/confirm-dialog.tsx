import { createSignal, type JSX } from "solid-js";
import { useI18n } from "../i18n/i18n.tsx";
import { Dialog } from "./dialog.tsx";

// A question before something that cannot simply be undone. The confirm button waits for the
// action; the dialog closes when it succeeds and stays (with the action's own error shown by the
// caller) when it fails. `ready` keeps the button off until, say, a name is typed.
export function ConfirmDialog(props: {
  title: string;
  confirmLabel: string;
  onConfirm: () => Promise<boolean>;
  onClose: () => void;
  danger?: boolean;
  ready?: boolean;
  children: JSX.Element;
}) {
  const { t } = useI18n();
  const [busy, setBusy] = createSignal(false);
  const confirm = async () => {
    setBusy(true);
    try {
      if (await props.onConfirm()) props.onClose();
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog title={props.title} onClose={props.onClose}>
      {props.children}
      <div class="actions">
        <button
          class={props.danger === false ? "button primary" : "button danger"}
          type="button"
          disabled={busy() || props.ready === false}
          onClick={confirm}
        >
          {props.confirmLabel}
        </button>
        <button class="button" type="button" onClick={() => props.onClose()}>
          {t("hire.cancel")}
        </button>
      </div>
    </Dialog>
  );
}
