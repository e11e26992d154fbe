import { createResource, createSignal, For, Show } from "solid-js";
import type { ApiClient } from "../../../edge/contract/client.ts";
import type { KnowledgeFileView, MemoryFileView } from "../../../edge/contract/knowledge.ts";
import { useI18n } from "../i18n/i18n.tsx";
import { useApi } from "../lib/api-context.tsx";
import { formatSize } from "../lib/format.ts";
import { apiMessage } from "../lib/messages.ts";
import { toast } from "./toasts.tsx";

/** An employee's own folder, or the team's. */
export type KnowledgeFolder = { employeeId: string } | "team";

// The folder's calls through the typed client, and where its files download from.
const folderApi = (api: ApiClient, folder: KnowledgeFolder) =>
  folder === "team"
    ? {
        href: "/api/knowledge",
        list: () => api("GET /api/knowledge"),
        upload: (body: FormData) => api("POST /api/knowledge", { body }),
        remove: (fileId: string) => api("DELETE /api/knowledge/:fileId", { params: { fileId } }),
      }
    : {
        href: `/api/employees/${encodeURIComponent(folder.employeeId)}/knowledge`,
        list: () => api("GET /api/employees/:id/knowledge", { params: { id: folder.employeeId } }),
        upload: (body: FormData) =>
          api("POST /api/employees/:id/knowledge", { params: { id: folder.employeeId }, body }),
        remove: (fileId: string) =>
          api("DELETE /api/employees/:id/knowledge/:fileId", {
            params: { id: folder.employeeId, fileId },
          }),
      };

// One folder of the knowledge base: the employee's own (/api/employees/:id/knowledge) or the
// team's (/api/knowledge). Files go up as soon as they are chosen and sent; nothing is kept only
// in the page, so a reload loses nothing that was uploaded. Without `manage` (a member's role) the
// folder is read-only: files can be downloaded, not uploaded or deleted.
export function KnowledgePanel(props: {
  folder: KnowledgeFolder;
  title: string;
  text: string;
  manage: boolean;
}) {
  const { t, tn, lang } = useI18n();
  const api = useApi();
  const calls = () => folderApi(api, props.folder);
  const [files, { mutate, refetch }] = createResource(() =>
    calls()
      .list()
      .then((r) => r.files),
  );
  const [busy, setBusy] = createSignal(false);
  let input: HTMLInputElement | undefined;

  const upload = async (ev: SubmitEvent) => {
    ev.preventDefault();
    const chosen = [...(input?.files ?? [])];
    if (chosen.length === 0) return input?.click();
    const form = new FormData();
    for (const f of chosen) form.append("file", f);
    setBusy(true);
    try {
      const res = await calls().upload(form);
      toast(tn("knowledge.uploaded", res.files.length), "info");
      if (input) input.value = "";
      await refetch();
    } catch (err) {
      toast(apiMessage(err, t, lang));
    } finally {
      setBusy(false);
    }
  };

  const remove = async (file: KnowledgeFileView) => {
    try {
      await calls().remove(file.id);
      mutate((list) => list?.filter((f) => f.id !== file.id));
      toast(t("knowledge.deleted", { name: file.name }), "info");
    } catch (err) {
      toast(apiMessage(err, t, lang));
    }
  };

  return (
    <section class="card knowledge" aria-busy={busy() || files.loading}>
      <h2>{props.title}</h2>
      <p class="muted">{props.text}</p>
      <Show when={!files.loading} fallback={<p>{t("common.loading")}</p>}>
        <Show
          when={(files() ?? []).length > 0}
          fallback={<p class="empty">{t("knowledge.empty")}</p>}
        >
          <ul class="files">
            <For each={files()}>
              {(f) => (
                <li>
                  <a href={`${calls().href}/${f.id}`} download={f.name}>
                    {f.name}
                  </a>
                  <span class="muted">{formatSize(f.size)}</span>
                  <Show when={props.manage}>
                    <button
                      type="button"
                      class="button small"
                      aria-label={t("knowledge.delete", { name: f.name })}
                      onClick={() => remove(f)}
                    >
                      ×
                    </button>
                  </Show>
                </li>
              )}
            </For>
          </ul>
        </Show>
      </Show>
      <Show when={props.manage}>
        <form class="row" onSubmit={upload}>
          <label>
            <span class="visually-hidden">{t("knowledge.choose")}</span>
            <input ref={input} type="file" name="file" multiple disabled={busy()} />
          </label>
          <button class="button" type="submit" disabled={busy()}>
            {busy() ? t("knowledge.uploading") : t("knowledge.upload")}
          </button>
        </form>
        <p class="muted small">{t("knowledge.limits")}</p>
      </Show>
    </section>
  );
}

// The employee's own notes (MEMORY.md, memory/*.md), fetched through its node on request.
export function MemoryView(props: { employeeId: string }) {
  const { t, lang } = useI18n();
  const api = useApi();
  const [memory, setMemory] = createSignal<MemoryFileView[] | null>(null);
  const [busy, setBusy] = createSignal(false);
  const load = async () => {
    setBusy(true);
    try {
      setMemory(
        (await api("GET /api/employees/:id/memory", { params: { id: props.employeeId } })).files,
      );
    } catch (err) {
      toast(apiMessage(err, t, lang));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="card memory" aria-busy={busy()}>
      <h2>{t("memory.title")}</h2>
      <p class="muted">{t("memory.text")}</p>
      <button class="button" type="button" disabled={busy()} onClick={load}>
        {busy() ? t("common.loading") : memory() ? t("memory.refresh") : t("memory.show")}
      </button>
      <Show when={memory()}>
        {(files) => (
          <Show when={files().length > 0} fallback={<p class="empty">{t("memory.empty")}</p>}>
            <For each={files()}>
              {(f) => (
                <details open={f.path === "MEMORY.md"}>
                  <summary>{f.path}</summary>
                  <pre>{f.content}</pre>
                  <Show when={f.truncated}>
                    <p class="muted small">{t("memory.truncated")}</p>
                  </Show>
                </details>
              )}
            </For>
          </Show>
        )}
      </Show>
    </section>
  );
}
