import { batch, createMemo, createSignal } from "solid-js";
import { createStore, produce, reconcile } from "solid-js/store";
import type {
  ChatAttachmentView,
  ChatMessage,
  ChatReadiness,
  Conversation,
  MessageStatus,
} from "../../../edge/contract/chat.ts";
import { type ApiClient, ApiFailure } from "../../../edge/contract/client.ts";
import type { ChatFrame } from "./live.ts";

// The chat's state for one employee: conversations and messages keyed by id, filled from the API
// and kept current by the live socket's chat frames. A frame carries a message's whole state, so
// merging is replacing, but frames and answers may arrive in any order (a late streaming frame
// after the final one, the POST's answer after the first frames): `mergeMessage` keeps the one
// that is further along.

const STAGE: Record<MessageStatus, number> = {
  queued: 0,
  sending: 1,
  streaming: 2,
  done: 3,
  aborted: 3,
  failed: 3,
};
export const isEnded = (m: ChatMessage): boolean => STAGE[m.status] === 3;

/** Which of two states of one message to keep: the later stage; among ended ones the newer completedAt; among streaming ones the longer text. */
export function mergeMessage(current: ChatMessage | undefined, next: ChatMessage): ChatMessage {
  if (!current) return next;
  const a = STAGE[current.status];
  const b = STAGE[next.status];
  if (a !== b) return b > a ? next : current;
  if (a === 3) return (next.completedAt ?? "") >= (current.completedAt ?? "") ? next : current;
  if (a === 2) return next.text.length >= current.text.length ? next : current;
  return next;
}

/** Oldest first; a person's message before the answer created in the same instant. */
const byTime = (x: ChatMessage, y: ChatMessage): number =>
  x.createdAt < y.createdAt
    ? -1
    : x.createdAt > y.createdAt
      ? 1
      : x.role !== y.role
        ? x.role === "person"
          ? -1
          : 1
        : x.id < y.id
          ? -1
          : 1;

const LOCAL = "local-";
export const isLocal = (m: ChatMessage): boolean => m.id.startsWith(LOCAL);

interface State {
  conversations: Record<string, Conversation>;
  messages: Record<string, ChatMessage>;
  /** Per conversation: the `before` of its older page (null at its start); absent until loaded. */
  nextBefore: Record<string, string | null>;
}

export type ChatStore = ReturnType<typeof createChatStore>;

export function createChatStore(opts: {
  api: ApiClient;
  employeeId: string;
  author: string;
  /** The conversation to open once the list is here, instead of the latest (a link to it). */
  open?: string;
}) {
  const { api, employeeId } = opts;
  const [state, setState] = createStore<State>({ conversations: {}, messages: {}, nextBefore: {} });
  const [readiness, setReadiness] = createSignal<ChatReadiness | null>(null);
  const [openId, setOpenId] = createSignal<string | null>(opts.open ?? null);
  const [loaded, setLoaded] = createSignal(false);
  const [loadError, setLoadError] = createSignal<unknown>(null);
  let counter = 0;
  // A message written before the list arrived goes to the conversation the list opens, not to a
  // new one.
  let firstLoad: Promise<void> | undefined;

  // reconcile keeps each message's store proxy, so a streaming answer updates its text in place
  // instead of being drawn anew (its tool list stays open or closed as the reader left it).
  const putMessage = (m: ChatMessage) => {
    const current = state.messages[m.id];
    if (mergeMessage(current, m) !== current) setState("messages", m.id, reconcile(m));
  };
  const putConversation = (c: Conversation) => setState("conversations", c.id, c);

  const conversations = createMemo(() =>
    Object.values(state.conversations).sort((x, y) => (x.updatedAt < y.updatedAt ? 1 : -1)),
  );
  const open = createMemo(() => {
    const id = openId();
    return id ? state.conversations[id] : undefined;
  });
  const messages = createMemo(() => {
    const id = openId();
    return Object.values(state.messages)
      .filter((m) => m.conversationId === id)
      .sort(byTime);
  });
  /** An answer is being written or waits: the stop button shows. */
  const busy = createMemo(
    () =>
      open()?.busy === true ||
      messages().some((m) => !isLocal(m) && m.role === "employee" && !isEnded(m)),
  );

  async function loadPage(conversationId: string, before?: string) {
    const page = await api("GET /api/employees/:id/conversations/:conversationId/messages", {
      params: { id: employeeId, conversationId },
      ...(before ? { query: { before } } : {}),
    });
    batch(() => {
      putConversation(page.conversation);
      for (const m of page.messages) putMessage(m);
      // The newest page's `nextBefore` is only taken the first time: a refetch after a reconnect
      // must not forget the older pages already shown.
      if (before || !(conversationId in state.nextBefore))
        setState("nextBefore", conversationId, page.nextBefore);
    });
  }

  function load(): Promise<void> {
    firstLoad = fetchList();
    return firstLoad;
  }

  async function fetchList() {
    try {
      const res = await api("GET /api/employees/:id/conversations", { params: { id: employeeId } });
      batch(() => {
        for (const c of res.conversations) putConversation(c);
        setReadiness(res.readiness);
        setLoadError(null);
        setLoaded(true);
      });
      // The one asked for (or written to meanwhile) when the list has it; else the latest.
      const asked = openId();
      const first = (asked && state.conversations[asked] ? asked : conversations()[0]?.id) ?? null;
      if (first) await select(first, true);
    } catch (err) {
      setLoadError(err);
      setLoaded(true);
    }
  }

  async function select(id: string, force = false) {
    setOpenId(id);
    if (force || !(id in state.nextBefore)) await loadPage(id).catch(setLoadError);
  }

  async function loadEarlier() {
    const id = openId();
    const before = id ? state.nextBefore[id] : null;
    if (id && before) await loadPage(id, before);
  }

  async function newConversation(): Promise<Conversation> {
    const { conversation } = await api("POST /api/employees/:id/conversations", {
      params: { id: employeeId },
      body: {},
    });
    batch(() => {
      putConversation(conversation);
      setState("nextBefore", conversation.id, null);
      setOpenId(conversation.id);
    });
    return conversation;
  }

  /** Sends a message, shown at once as queued; a failure stays in the list with a "try again". */
  async function send(text: string, attachments: ChatAttachmentView[] = []): Promise<void> {
    await firstLoad;
    const conversationId = openId() ?? (await newConversation()).id;
    const local: ChatMessage = {
      id: `${LOCAL}${++counter}`,
      conversationId,
      role: "person",
      author: opts.author,
      text,
      truncated: false,
      status: "queued",
      error: null,
      attachments,
      tools: [],
      createdAt: new Date().toISOString(),
      completedAt: null,
    };
    putMessage(local);
    try {
      const res = await api("POST /api/employees/:id/conversations/:conversationId/messages", {
        params: { id: employeeId, conversationId },
        body: attachments.length ? { text, attachmentIds: attachments.map((a) => a.id) } : { text },
      });
      batch(() => {
        setState(
          "messages",
          produce((all) => void delete all[local.id]),
        );
        putMessage(res.message);
        putMessage(res.reply);
      });
    } catch (err) {
      const code = err instanceof ApiFailure ? err.code : "network";
      const message = err instanceof Error ? err.message : "";
      setState("messages", local.id, {
        status: "failed",
        error: { code, message },
        completedAt: new Date().toISOString(),
      });
    }
  }

  /** Sends the text again: a failed message of mine, or the question a failed answer answered. */
  async function retry(failed: ChatMessage): Promise<void> {
    if (failed.role === "person") {
      if (isLocal(failed))
        setState(
          "messages",
          produce((all) => void delete all[failed.id]),
        );
      return send(failed.text, isLocal(failed) ? failed.attachments : []);
    }
    const list = messages();
    const at = list.findIndex((m) => m.id === failed.id);
    const question = list
      .slice(0, at < 0 ? list.length : at)
      .reverse()
      .find((m) => m.role === "person");
    if (question) return send(question.text);
  }

  async function stop(): Promise<void> {
    const id = openId();
    if (!id) return;
    const { conversation } = await api(
      "POST /api/employees/:id/conversations/:conversationId/stop",
      { params: { id: employeeId, conversationId: id } },
    );
    putConversation(conversation);
  }

  // The live frame of a message just sent can come before the POST's answer: the stored message
  // then replaces the one shown while it was on its way (same conversation, same text), rather
  // than showing it twice until the answer arrives.
  function dropEcho(stored: ChatMessage) {
    const echo = Object.values(state.messages).find(
      (m) =>
        isLocal(m) &&
        m.status === "queued" &&
        m.conversationId === stored.conversationId &&
        m.text === stored.text,
    );
    if (echo)
      setState(
        "messages",
        produce((all) => void delete all[echo.id]),
      );
  }

  function apply(frame: ChatFrame) {
    if (frame.type === "chat.message") {
      batch(() => {
        if (frame.message.role === "person") dropEcho(frame.message);
        putMessage(frame.message);
      });
    } else if (frame.type === "chat.conversation") putConversation(frame.conversation);
    else setReadiness(frame.readiness);
  }

  /** After the socket comes back: what changed meanwhile (frames were missed). */
  async function refresh() {
    await load();
  }

  return {
    state,
    conversations,
    open,
    openId,
    messages,
    busy,
    readiness,
    loaded,
    loadError,
    hasEarlier: () => {
      const id = openId();
      return id ? Boolean(state.nextBefore[id]) : false;
    },
    load,
    select,
    loadEarlier,
    newConversation,
    send,
    retry,
    stop,
    apply,
    refresh,
  };
}
