/**
 * The sub-call contract: how the RLM engine asks "some model somewhere" for completions. Implemented here by
 * `backendSubcalls` (any inference Backend) and by the swarm (paid providers over Nostr).
 */
import type { ChatMessage } from "@pylon/inference";

export interface SubcallRequest {
  /** The conversation to complete; a plain `llm_query(prompt)` is one user message. */
  messages: ChatMessage[];
  /** Upper bound on generated tokens (also what the budget reserves for the output). */
  maxTokens: number;
  temperature?: number;
  /** Stop sequences: the answer ends before the first of them (a chat client's `stop`). */
  stop?: string[];
  /** A model the calling code asked for (`llm_query(p, model="…")`); backends may ignore it. */
  model?: string;
  /** Depth in the RLM tree of the call: 1 for calls made by the root's code. */
  depth: number;
  /** The run whose code (or loop) made the call. */
  runId: string;
  /**
   * Calls with the same affinity prefer the provider that served the last of them (its KV cache holds the
   * conversation so far) and move to another, with the whole conversation, when it fails. An RLM's root turns
   * on the market share one. Backends without providers ignore it.
   */
  affinity?: string;
  /** What the call is, for receipts and logs: a root turn of an RLM, or a sub-call (the default). */
  purpose?: "root" | "subcall";
  /**
   * Receives the answer's text as it arrives, when the backend can stream (a provider that sends NIP-90
   * `partial` feedback); the pieces concatenate to a prefix of the final text. Never called for a check.
   */
  onText?: (delta: string) => void;
}

export interface SubcallUsage {
  inputTokens: number;
  outputTokens: number;
}

export interface SubcallOutcomeBase {
  /** Who served the item (e.g. "llama:tiny", a provider's pubkey); empty when nobody did. */
  provider: string;
  model: string;
  latencyMs: number;
  /** What this item cost, in sats (0 for local models). Charged even when the item failed, if it was paid. */
  costSats: number;
  usage: SubcallUsage;
  /** Jobs sent for the item (1 + re-dispatches + hedges), for backends that retry or hedge (the swarm). */
  attempts?: number;
  /** Of those, duplicates sent because a job was slow (hedges). */
  hedges?: number;
}

export interface SubcallSuccess extends SubcallOutcomeBase {
  ok: true;
  text: string;
}

export interface SubcallFailure extends SubcallOutcomeBase {
  ok: false;
  /** Why the item failed, without an "Error:" prefix (the engine adds it for model code). */
  error: string;
}

export type SubcallResult = SubcallSuccess | SubcallFailure;

/**
 * Batch in, results out in the same order, one per request. Failures are values (`ok: false`), never a
 * rejection of the whole batch; `signal` cancels what is still running (those items fail with "aborted").
 */
export interface SubcallBackend {
  /** Shown in logs and receipts, e.g. "llama:tiny" or "swarm". */
  readonly name: string;
  complete(requests: SubcallRequest[], signal: AbortSignal): Promise<SubcallResult[]>;
  /** Highest cost in sats one request may incur; the budget reserves it before dispatch. Default 0. */
  estimateCostSats?(request: SubcallRequest): number;
  /** Releases what the backend holds (models, connections). */
  close?(): Promise<void>;
}
