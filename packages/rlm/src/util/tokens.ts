import { type ChatMessage, estimateTokens } from "@pylon/inference";

/**
 * Token estimates before a call is made (for budget reservations): 4 characters per token, the usual rule of
 * thumb for English with BPE vocabularies, plus a few tokens of chat framing per message.
 */
export function estimateMessageTokens(messages: readonly ChatMessage[]): number {
  let total = 0;
  for (const message of messages) total += estimateTokens(message.content) + 4;
  return total;
}
