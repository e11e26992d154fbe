import { RuntimeError } from "../runtime/employee-runtime.ts";

// One POST /agent/snapshots/:id/packs whose body is streamed as frames are added: the request
// starts with the first frame and the agent holds only what the socket has not taken yet. `add`
// waits while the body's queue is full (the edge reads at its own pace), so memory stays at a
// frame or two however large the pack.

export interface PackAnswer {
  stored: number;
  bytes: number;
}

export class PackPost {
  bytes = 0;
  frames = 0;
  /** Settles with the edge's answer once the body is closed and the edge has stored it. */
  readonly answer: Promise<PackAnswer>;
  private controller!: ReadableStreamDefaultController<Uint8Array>;
  private room: (() => void) | null = null;
  private failed: unknown = null;

  constructor(url: URL, nodeToken: string, signal: AbortSignal) {
    const body = new ReadableStream<Uint8Array>(
      {
        start: (c) => {
          this.controller = c;
        },
        pull: () => {
          this.room?.();
          this.room = null;
        },
        cancel: (reason) => {
          this.failed = reason ?? new Error("the edge stopped reading the pack");
          this.room?.();
        },
      },
      { highWaterMark: 2 },
    );
    this.answer = fetch(url, {
      method: "POST",
      headers: {
        authorization: `Bearer ${nodeToken}`,
        "content-type": "application/octet-stream",
      },
      body,
      duplex: "half",
      signal,
    } as RequestInit).then(
      async (res) => {
        if (!res.ok) throw await refusal(res, "pack upload");
        const json = (await res.json().catch(() => ({}))) as Partial<PackAnswer>;
        return { stored: Number(json.stored ?? 0), bytes: Number(json.bytes ?? 0) };
      },
      (err: unknown) => {
        throw new RuntimeError(
          "upload_failed",
          `could not upload a snapshot pack: ${String(err)}`.slice(0, 500),
          true,
        );
      },
    );
    // Whoever awaits the answer sees the failure; the writer must stop at once too.
    this.answer.catch((err: unknown) => {
      this.failed = err;
      this.room?.();
    });
  }

  /** Queues one frame (its header, then its body); waits while the body's queue is full. */
  async add(header: Uint8Array, body: Uint8Array): Promise<void> {
    if (this.failed) throw this.failed;
    this.controller.enqueue(header);
    this.controller.enqueue(body);
    this.bytes += header.byteLength + body.byteLength;
    this.frames++;
    while ((this.controller.desiredSize ?? 0) <= 0 && !this.failed)
      await new Promise<void>((resolve) => {
        this.room = resolve;
      });
    if (this.failed) throw this.failed;
  }

  /** Ends the body; the answer follows. */
  close(): Promise<PackAnswer> {
    if (!this.failed) this.controller.close();
    return this.answer;
  }

  abort(reason: unknown): void {
    try {
      this.controller.error(reason);
    } catch {
      // already closed or errored
    }
  }
}

/** The edge's refusal as the error the executor reports: retryable unless the edge said no. */
export async function refusal(res: Response, what: string): Promise<RuntimeError> {
  const text = (await res.text().catch(() => "")).slice(0, 300);
  if (res.status === 404)
    return new RuntimeError(
      "snapshot_gone",
      `the edge knows no pending snapshot for this employee on this node (${what})`,
      false,
    );
  return new RuntimeError(
    "upload_failed",
    `the edge answered ${res.status} to the ${what}: ${text}`.trim(),
    res.status >= 500 || res.status === 429 || res.status === 408,
  );
}
