// What a token costs before the provider says: a prompt is estimated at ~4 characters a token,
// and so is an answer cut off before its usage chunk.
export const CHARS_PER_TOKEN = 4;

export interface MeteredUsage {
  promptTokens: number;
  completionTokens: number;
}

// OpenAI's usage object: on a non-streamed answer, and in a stream's last chunk.
export interface ProviderUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
}

// Splits the provider's SSE stream in two: one copy goes to the client untouched, moved by the
// runtime itself (no JavaScript per chunk, so byte for byte and at wire speed); the other is read
// here for the provider's usage chunk. The client's copy runs through a relay whose pipe fails
// when the client goes away: that is the one sign of it for a stream the runtime moves (the
// request's signal does not fire then), and `cutOff` is called to end the provider's call, which
// ends the metering copy too. `usage` settles when the stream ends, fails or is cut off; without
// the provider's count it is estimated from the text seen, never 0.
export function meterStream(
  upstream: ReadableStream<Uint8Array>,
  estPrompt: number,
  cutOff: () => void,
): { toClient: ReadableStream<Uint8Array>; usage: Promise<MeteredUsage> } {
  const [forClient, toMeter] = upstream.tee();
  const relay = new IdentityTransformStream();
  forClient.pipeTo(relay.writable).catch(cutOff);
  return { toClient: relay.readable, usage: readUsage(toMeter, estPrompt) };
}

async function readUsage(
  stream: ReadableStream<Uint8Array>,
  estPrompt: number,
): Promise<MeteredUsage> {
  const scanner = new UsageScanner();
  const reader = stream.getReader();
  try {
    for (;;) {
      // Chunk by chunk: both copies are fed by one read of the provider's stream, so a metering
      // read that waited for a batch would hold the client's copy back as long.
      const { done, value } = await reader.read();
      if (value?.byteLength) scanner.push(value);
      if (done) break;
    }
  } catch {
    // Cut off (the client left, or the provider broke off): meter what arrived.
  }
  const usage = scanner.usage;
  return {
    promptTokens: usage?.prompt_tokens ?? estPrompt,
    completionTokens: usage?.completion_tokens ?? scanner.estimatedTokens(),
  };
}

interface Delta {
  content?: unknown;
  refusal?: unknown;
  // Providers' names for a reasoning model's thinking (DeepSeek, vLLM / OpenRouter, Ollama).
  reasoning_content?: unknown;
  reasoning?: unknown;
  tool_calls?: { function?: { name?: unknown; arguments?: unknown } }[];
}

// Reads `data:` lines of chat.completion.chunk events: the last usage seen, and everything the
// model generated that went by (answer text, refusals, reasoning, tool names and arguments), for
// the estimate when no usage comes.
class UsageScanner {
  usage: ProviderUsage | undefined;
  private chars = 0;
  private pieces = 0;
  private readonly decoder = new TextDecoder();
  private buffer = "";

  push(bytes: Uint8Array): void {
    this.buffer += this.decoder.decode(bytes, { stream: true });
    let start = 0;
    let nl = this.buffer.indexOf("\n", start);
    while (nl >= 0) {
      this.line(this.buffer.slice(start, nl).trim());
      start = nl + 1;
      nl = this.buffer.indexOf("\n", start);
    }
    this.buffer = this.buffer.slice(start);
  }

  // Providers stream about one token per delta; one that batches is counted by its characters.
  estimatedTokens(): number {
    return Math.max(1, this.pieces, Math.ceil(this.chars / CHARS_PER_TOKEN));
  }

  private line(line: string): void {
    if (!line.startsWith("data:")) return;
    const data = line.slice(5).trim();
    if (data === "[DONE]") return;
    try {
      const event = JSON.parse(data) as {
        usage?: ProviderUsage | null;
        choices?: { delta?: Delta }[];
      };
      if (event.usage) this.usage = event.usage;
      for (const c of event.choices ?? []) {
        const d = c.delta;
        if (!d) continue;
        this.count(d.content);
        this.count(d.refusal);
        this.count(d.reasoning_content);
        this.count(d.reasoning);
        for (const call of d.tool_calls ?? []) {
          this.count(call.function?.name);
          this.count(call.function?.arguments);
        }
      }
    } catch {
      // not JSON: passed through all the same, just not metered from
    }
  }

  private count(text: unknown): void {
    if (typeof text !== "string" || text.length === 0) return;
    this.chars += text.length;
    this.pieces++;
  }
}
