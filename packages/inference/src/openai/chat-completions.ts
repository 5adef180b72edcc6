import type { ChatMessage } from "../backend.js";
import { BackendError, errorMessage } from "../errors.js";
import type { NormalisedRequest } from "../request.js";

// The OpenAI chat-completions wire format, as far as this backend speaks it.

/** OpenAI allows at most 4 stop sequences; the rest are applied locally (all of them are, in any case). */
const MAX_UPSTREAM_STOPS = 4;

export interface ChatCompletionChunk {
  model?: string;
  choices?: Array<{ index?: number; delta?: { content?: string | null }; finish_reason?: string | null }>;
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
  error?: { message?: string } | string;
}

export function requestBody(
  options: { model: string; maxTokensField?: "max_tokens" | "max_completion_tokens" },
  request: NormalisedRequest,
  messages: ChatMessage[],
): Record<string, unknown> {
  return {
    model: options.model,
    messages,
    [options.maxTokensField ?? "max_tokens"]: request.maxTokens,
    stream: true,
    stream_options: { include_usage: true },
    ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
    ...(request.topP === undefined ? {} : { top_p: request.topP }),
    // Not part of OpenAI's API, but llama.cpp's server and vLLM accept them; sent only when asked for.
    ...(request.topK === undefined ? {} : { top_k: request.topK }),
    ...(request.ignoreEos ? { ignore_eos: true } : {}),
    ...(request.seed === undefined ? {} : { seed: request.seed }),
    ...(request.stop.length === 0 ? {} : { stop: request.stop.slice(0, MAX_UPSTREAM_STOPS) }),
  };
}

export function toMessages(request: NormalisedRequest): ChatMessage[] {
  return request.messages ?? [{ role: "user", content: request.prompt ?? "" }];
}

export function parseChunk(data: string): ChatCompletionChunk {
  try {
    const parsed: unknown = JSON.parse(data);
    if (typeof parsed !== "object" || parsed === null) throw new Error("not an object");
    return parsed as ChatCompletionChunk;
  } catch (error) {
    throw new BackendError("upstream", `upstream sent a malformed stream chunk: ${errorMessage(error)}`);
  }
}

export function chatCompletionsUrl(baseURL: string): string {
  let url: URL;
  try {
    url = new URL(baseURL);
  } catch {
    throw new BackendError("bad-request", `openai baseURL is not a URL: ${JSON.stringify(baseURL)}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    throw new BackendError("bad-request", `openai baseURL must be http(s): ${baseURL}`);
  return `${url.href.replace(/\/+$/, "")}/chat/completions`;
}
