import { createResource, createSignal, For, Show } from "solid-js";
import type { ApiClient } from "../../../edge/contract/client.ts";
import type { KnowledgeFileView, MemoryFileView } from "../../../edge/contract/knowledge.ts";
import { useI18n } from "../i18n/i18n.tsx";
import { useApi } from "../lib/api-context.tsx";
import { formatSize } from "../lib/format.ts";
import { apiMessage } from "../lib/messages.ts";
import { toast } from "./toasts.tsx";
import "../styles/polish.css";

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
  /** Told while files are going up, so a page can hold its Continue until they are stored. */
  onBusy?: (busy: boolean) => void;
}) {
  const { t, tn, lang } = useI18n();
  const api = useApi();
  const calls = () => folderApi(api, props.folder);
  const [files, { mutate, refetch }] = createResource(() =>
    calls()
      .list()
      .then((r) => r.files),
  );
  // The name of the file going up now, and what failed in the last choice, each naming its file.
  const [uploading, setUploading] = createSignal<string | null>(null);
  const [failures, setFailures] = createSignal<string[]>([]);
  const busy = () => uploading() !== null;
  let input: HTMLInputElement | undefined;

  // Files go up as soon as they are chosen, one request each, so a refusal names the file it is
  // about and the others still arrive. A new choice clears the last one's errors.
  const uploadChosen = async () => {
    const chosen = [...(input?.files ?? [])];
    setFailures([]);
    if (chosen.length === 0) return;
    props.onBusy?.(true);
    let stored = 0;
    const failed: string[] = [];
    for (const file of chosen) {
      setUploading(file.name);
      const form = new FormData();
      form.append("file", file);
      try {
        stored += (await calls().upload(form)).files.length;
      } catch (err) {
        failed.push(t("knowledge.fileError", { name: file.name, error: apiMessage(err, t, lang) }));
      }
    }
    setUploading(null);
    setFailures(failed);
    if (input) input.value = "";
    props.onBusy?.(false);
    if (stored > 0) {
      toast(tn("knowledge.uploaded", stored), "info");
      await refetch();
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
                  <span class="muted">{formatSize(f.size, lang)}</span>
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
        <div class="upload-row">
          <label class="button">
            {t("knowledge.add")}
            <input
              ref={input}
              class="visually-hidden"
              type="file"
              name="file"
              multiple
              disabled={busy()}
              onChange={uploadChosen}
            />
          </label>
          <span class="muted" aria-live="polite">
            {uploading() ? t("knowledge.uploadingFile", { name: uploading() ?? "" }) : ""}
          </span>
        </div>
        <Show when={failures().length > 0}>
          <ul class="alert upload-errors" role="alert">
            <For each={failures()}>{(text) => <li>{text}</li>}</For>
          </ul>
        </Show>
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
