/**
 * The bodies OpenAI's API returns for chat completions, whole and as stream chunks, with Pylon's documented
 * extra field `pylon` (cost in sats, where the receipt and the RLM log are). Clients ignore fields they do
 * not know, so the extra field never breaks them.
 */
import type { Completion } from "../service.js";

/** What ties a reply to its request: the same id and creation time in every chunk. */
export interface ReplyHead {
  id: string;
  created: number;
  model: string;
}

export interface PylonExtra {
  /** The service's id for the request: its receipt and log are named by it. */
  id: string;
  cost_sats: number;
  receipt: string | null;
  log: string | null;
}

export const pylonExtra = (completion: Completion): PylonExtra => ({
  id: completion.id,
  cost_sats: completion.costSats,
  receipt: completion.receiptFile ?? null,
  log: completion.logFile ?? null,
});

const usageOf = (completion: Completion) => ({
  prompt_tokens: completion.usage.promptTokens,
  completion_tokens: completion.usage.completionTokens,
  total_tokens: completion.usage.promptTokens + completion.usage.completionTokens,
});

export function completionBody(head: ReplyHead, completion: Completion) {
  return {
    id: head.id,
    object: "chat.completion",
    created: head.created,
    model: completion.model,
    choices: [
      {
        index: 0,
        message: { role: "assistant", content: completion.text, refusal: null },
        logprobs: null,
        finish_reason: completion.finishReason,
      },
    ],
    usage: usageOf(completion),
    system_fingerprint: null,
    pylon: pylonExtra(completion),
  };
}

/** One `chat.completion.chunk`; `usage: null` on every chunk but the last when usage was asked for. */
function chunk(head: ReplyHead, choices: unknown[], includeUsage: boolean, extra: object = {}) {
  return {
    id: head.id,
    object: "chat.completion.chunk",
    created: head.created,
    model: head.model,
    system_fingerprint: null,
    choices,
    ...(includeUsage ? { usage: null } : {}),
    ...extra,
  };
}

export const deltaChunk = (head: ReplyHead, delta: object, includeUsage: boolean) =>
  chunk(head, [{ index: 0, delta, logprobs: null, finish_reason: null }], includeUsage);

/** The last chunk with a choice: its finish_reason, and Pylon's extra field (the cost is known now). */
export const finishChunk = (head: ReplyHead, completion: Completion, includeUsage: boolean) =>
  chunk(
    head,
    [{ index: 0, delta: {}, logprobs: null, finish_reason: completion.finishReason }],
    includeUsage,
    {
      pylon: pylonExtra(completion),
    },
  );

/** With `stream_options.include_usage`: the usage for the whole request, with no choices. */
export const usageChunk = (head: ReplyHead, completion: Completion) => ({
  ...chunk(head, [], false),
  usage: usageOf(completion),
});
