/**
 * A sub-call's streamed text (`SubcallRequest.onText`): what providers that stream send as `partial` feedback
 * (docs/protocol.md "Streaming"), forwarded so that the caller only ever sees one growing text, a prefix of
 * the answer the sub-call returns.
 * - Only one attempt streams at a time: the first to send text owns the stream until it ends; hedge duplicates
 *   and spot checks never ask for partials.
 * - An attempt that failed after its text was forwarded leaves that text; a retry's text is forwarded only
 *   beyond it, and only while the retry agrees with it (jobs are seeded and greedy by default, so it usually
 *   does).
 * - At the end the rest of the answer is forwarded, unless the answer does not begin with what was already
 *   forwarded (a retry that answered differently, an answer struck by a spot check): the sub-call then fails,
 *   since streamed text cannot be taken back.
 * The runner passes the request object through to each attempt; the gate is looked up by that object.
 */
import type { SubcallRequest } from "@pylon/rlm";

/** One attempt's text, as its partials arrive (already in order, see @pylon/nostr StreamOrder). */
export interface AttemptText {
  push(text: string): void;
  /** The attempt ended (answered or not): its later pieces are ignored, another attempt may stream. */
  close(): void;
}

export class TextGate {
  readonly #onText: (delta: string) => void;
  #forwarded = "";
  #owner: object | undefined;

  constructor(onText: (delta: string) => void) {
    this.#onText = onText;
  }

  /** Characters forwarded so far. */
  get forwarded(): number {
    return this.#forwarded.length;
  }

  open(): AttemptText {
    const token = {};
    let text = "";
    let closed = false;
    return {
      push: (piece) => {
        if (closed || piece === "") return;
        text += piece;
        this.#owner ??= token;
        if (this.#owner === token) this.#offer(text);
      },
      close: () => {
        closed = true;
        if (this.#owner === token) this.#owner = undefined;
      },
    };
  }

  /**
   * The sub-call's answer is `answer`: forwards what of it was not yet forwarded. Returns why the sub-call must
   * fail instead, when the text already forwarded is not the beginning of `answer`.
   */
  settle(answer: string, provider: string): string | undefined {
    if (this.#forwarded === "") return undefined; // nothing streamed: the caller sends the answer whole
    if (!answer.startsWith(this.#forwarded)) {
      return `the answer from ${provider.slice(0, 12)}… does not begin with the ${this.#forwarded.length} characters already streamed from an earlier attempt (a retry answered differently, or a spot check struck the streamed answer); streamed text cannot be taken back`;
    }
    this.#offer(answer);
    return undefined;
  }

  /** `text` is an attempt's whole text so far: forwards what extends the forwarded text, if it agrees. */
  #offer(text: string): void {
    if (text.length <= this.#forwarded.length || !text.startsWith(this.#forwarded)) return;
    const delta = text.slice(this.#forwarded.length);
    this.#forwarded = text;
    try {
      this.#onText(delta);
    } catch {
      // a throwing reader must not fail the sub-call
    }
  }
}

const gates = new WeakMap<SubcallRequest, TextGate>();

/** The request to dispatch for a sub-call whose text is streamed through `gate` (a copy, so checks stay out). */
export function streamedRequest(request: SubcallRequest, gate: TextGate): SubcallRequest {
  const copy = { ...request };
  gates.set(copy, gate);
  return copy;
}

/** Whether an attempt at a provider announcing `streaming` should ask for partials, and where they go. */
export function attemptText(
  request: SubcallRequest,
  providerStreams: boolean | undefined,
  hedge: boolean,
): AttemptText | undefined {
  if (hedge || providerStreams !== true) return undefined;
  return gates.get(request)?.open();
}

/** Whether the request's text is streamed from this provider (then it is sent alone, never in a batch). */
export function streamsFrom(request: SubcallRequest, providerStreams: boolean | undefined): boolean {
  return providerStreams === true && gates.has(request);
}
