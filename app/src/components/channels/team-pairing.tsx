import { Show } from "solid-js";
import { useApi } from "../../lib/api-context.tsx";
import { createPairingStore } from "../../lib/pairing.ts";
import { PairingList } from "./pairing-list.tsx";
import "../../i18n/workspace-texts.ts";
import "../../i18n/channels-texts.ts";
import "../../styles/channels.css";

// The Team page's view of the pairing requests (admins): every employee's, so nobody waiting is
// missed by an admin who does not open each workspace. Shown only while someone waits; the
// workspace's Channels tab says it when the list cannot be read.
export function TeamPairing() {
  const store = createPairingStore({ api: useApi(), enabled: () => true });
  return (
    <Show when={store.pending().length > 0}>
      <div class="block">
        <PairingList store={store} />
      </div>
    </Show>
  );
}
