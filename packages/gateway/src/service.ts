/**
 * The market as a model: the one contract `pylon serve` (OpenAI-compatible HTTP) and `pylon mcp` (MCP over
 * stdio) put in front of other tools. This package speaks the protocols; the CLI implements the service over
 * the swarm and the RLM engine (apps/cli/src/serve/), and tests may implement it over local models.
 */

/** One message of a chat, as OpenAI's API and NIP-90 conversations (docs/protocol.md) carry it. */
export interface ChatTurn {
  role: "system" | "user" | "assistant";
  content: string;
}

/** A model the service answers for. */
export interface ModelEntry {
  /** `market/<name>` (one paid job to the best provider serving <name>), `rlm`, or `rlm/<root>`. */
  id: string;
  /** Unix seconds: when the model was first seen (a provider's announcement) or the service started. */
  created: number;
  /** `pylon-market` for market models, `pylon` for RLM entries. */
  ownedBy: string;
  /** Market models: live providers serving it now. */
  providers?: number;
  /** Market models: the cheapest live provider's price, msats per 1,000 output tokens. */
  priceMsatsPer1kOutput?: number;
  /** Providers that stream (send NIP-90 `partial` feedback) among them. */
  streaming?: boolean;
}

export interface CompletionRequest {
  /** The model as asked (an id from `models()`, or an alias the service accepts). */
  model: string;
  /** The conversation; non-empty. For `rlm`, the last user message is the question. */
  messages: ChatTurn[];
  /** Upper bound on generated tokens (per root turn for `rlm`). */
  maxTokens?: number;
  temperature?: number;
  stop?: string[];
  /**
   * `rlm` only: the context given explicitly (a string, or a list of documents) instead of the conversation's
   * earlier messages. The HTTP API takes it as the extension field `pylon_context`.
   */
  context?: string | string[];
  /** Most this request may cost, sats (the lower of the per-request budget and what is left of today's). */
  budgetSats: number;
  /** Cancels the request (the client went away): the service stops its jobs and its RLM. */
  signal: AbortSignal;
  /**
   * Receives the answer as it is produced, when the model can stream; the pieces concatenate to the final
   * `text`. A service that cannot stream never calls it (the caller then sends the whole answer at once).
   */
  onText?: (delta: string) => void;
}

export interface Completion {
  /** Unique per request; the receipt and log on disk are named by it. */
  id: string;
  /** The model that answered, as the client should see it (e.g. `market/tiny`, `rlm`). */
  model: string;
  text: string;
  /** `length` when the output (or the RLM's iterations) ran out. */
  finishReason: "stop" | "length";
  usage: { promptTokens: number; completionTokens: number };
  /** What the request cost, sats (fractions allowed: jobs are priced in msats). */
  costSats: number;
  /** Where this request's receipt was written (JSON). */
  receiptFile?: string;
  /** `rlm`: the run's trajectory log (JSONL). */
  logFile?: string;
}

/** Why a request failed; the HTTP API maps each code to a status and OpenAI's error shape. */
export type ServiceErrorCode =
  /** 400: the request cannot be served as written (names the field). */
  | "bad-request"
  /** 404: no such model (names it and what is available). */
  | "unknown-model"
  /** 402: the budget cannot cover it. */
  | "budget"
  /** 429: every provider (or the service's own slots) is busy; retry later. */
  | "busy"
  /** 502: the market failed the request (no provider answered, every attempt failed). */
  | "market"
  /** 504: out of time. */
  | "timeout";

export class ServiceError extends Error {
  override name = "ServiceError";
  readonly code: ServiceErrorCode;
  constructor(code: ServiceErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

export interface ModelService {
  /** The live market's models (`market/<name>`) and the RLM entries. */
  models(signal?: AbortSignal): Promise<ModelEntry[]>;
  /** Runs one request; rejects with a ServiceError (anything else is a bug, reported as 500). */
  complete(request: CompletionRequest): Promise<Completion>;
  /** Closes the market (tabs refunded) and models. */
  close(): Promise<void>;
}
