/**
 * An `rlm` request's question and context from the chat: the question is the last user message; the context
 * is `pylon_context` when given, else every earlier message rendered with its role (so a client can paste a
 * document into the conversation and ask about it).
 */
import { type ChatTurn, type CompletionRequest, ServiceError } from "@pylon/gateway";
import type { ContextValue } from "@pylon/rlm";

export interface RlmTask {
  question: string;
  context: ContextValue;
}

export function rlmTask(request: CompletionRequest): RlmTask {
  const last = request.messages.at(-1);
  if (last?.role !== "user" || last.content.trim() === "")
    throw new ServiceError(
      "bad-request",
      `messages: ${request.model} answers the last message, which must be the user's question`,
    );
  const earlier = request.messages.slice(0, -1);
  return {
    question: last.content,
    context: request.context ?? renderTurns(earlier),
  };
}

/** `role: content` blocks, one per turn, separated by blank lines. */
export function renderTurns(turns: readonly ChatTurn[]): string {
  return turns.map((turn) => `${turn.role}: ${turn.content}`).join("\n\n");
}
