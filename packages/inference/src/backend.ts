import type { BackendError } from "./errors.js";
import type { ModelIdentity } from "./gguf/identity.js";

export type ChatRole = "system" | "user" | "assistant";

export interface ChatMessage {
  role: ChatRole;
  content: string;
}

/** Sampling and length settings shared by both request shapes. Unset fields take the backend's defaults. */
export interface GenerationSettings {
  /** Upper bound on generated tokens. Default 256. */
  maxTokens?: number;
  /** 0 = greedy. Range 0–2. */
  temperature?: number;
  /** Keep only the K most likely tokens; 0 disables the filter. */
  topK?: number;
  /** Nucleus sampling mass, in (0, 1]; 1 disables the filter. */
  topP?: number;
  /** Sampler seed (unsigned 32-bit). With a seed, a local backend's output is reproducible. */
  seed?: number;
  /** Generation ends before the first occurrence of any of these strings; the stop string is not returned. */
  stop?: string[];
  /**
   * Keep generating past end-of-generation tokens until `maxTokens` (benchmarks use it to fix lengths).
   * Honoured by the llama backend; forwarded as `ignore_eos` by the openai backend (llama.cpp server, vLLM).
   */
  ignoreEos?: boolean;
}

/** Either a chat (rendered with the model's chat template) or a raw prompt to complete. */
export type GenerateRequest = GenerationSettings &
  ({ messages: ChatMessage[]; prompt?: undefined } | { prompt: string; messages?: undefined });

export type FinishReason = "stop" | "length" | "abort" | "error";

export interface TokenUsage {
  /** Prompt tokens, as the model counted them (template and BOS included). */
  inputTokens: number;
  /** Tokens the model sampled, including a final end-of-generation token. */
  outputTokens: number;
}

/** Milliseconds, all measured from the moment `generate` was called. */
export interface GenerateTimings {
  /** Waiting for a free slot. */
  queuedMs: number;
  /** Until the first generated text; null when nothing was generated. */
  firstTokenMs: number | null;
  totalMs: number;
}

export interface GenerateResult {
  text: string;
  finishReason: FinishReason;
  usage: TokenUsage;
  timings: GenerateTimings;
  /** The model that produced the text. */
  model: string;
  /** Set when `finishReason` is "error": the failure that cut the text short. */
  error?: BackendError;
}

export interface GenerateOptions {
  /**
   * Cancels the job. Before generation starts (still queued) the promise rejects with code "aborted";
   * once it has started, the job stops at the next token, its slot is freed, and the promise resolves with
   * the text so far and finishReason "abort".
   */
  signal?: AbortSignal;
  /** Receives generated text as it arrives; the chunks concatenate to the result's `text`. */
  onToken?: (text: string) => void;
}

export type BackendKind = "llama" | "openai" | "scripted";

export interface BackendInfo {
  kind: BackendKind;
  /** Human-readable backend name; a scripted backend's name always contains "scripted". */
  name: string;
  model: string;
  /** Tokens one job can hold (prompt + output); 0 when the backend cannot know. */
  contextSize: number;
  /** Jobs that run at the same time. */
  slots: number;
  /** Jobs that may wait for a slot before new ones are refused with "busy". */
  maxQueue: number;
  /** Jobs running now. */
  active: number;
  /** Jobs waiting now. */
  queued: number;
  /** CPU threads used for decoding (llama only). */
  threads?: number;
  /** GPU type in use, or false for CPU only (llama only). */
  gpu?: string | false;
}

/**
 * A model behind one interface. A failure before any text was produced rejects with a BackendError; a
 * failure after text was streamed resolves with that text, finishReason "error" and `error`, so streamed
 * chunks and the result never disagree. Aborts: see `GenerateOptions.signal`.
 */
export interface Backend {
  readonly kind: BackendKind;
  /**
   * The model file's identity (digest, size, architecture, quantisation), where the backend knows its file:
   * the llama backend computes it at load. Absent for remote and scripted backends.
   */
  readonly identity?: ModelIdentity;
  info(): BackendInfo;
  generate(request: GenerateRequest, options?: GenerateOptions): Promise<GenerateResult>;
  /** Refuses queued and new jobs with code "closed", stops running ones, and releases the model. */
  close(): Promise<void>;
}
