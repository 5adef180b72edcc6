/** Helpers for SCRIPTED root models: where in the RLM conversation a request is. */
import type { GenerateRequest } from "@pylon/inference";

/** How many replies the model has already given in this conversation (0 on the first turn). */
export function replyIndex(request: GenerateRequest): number {
  return (request.messages ?? []).filter((message) => message.role === "assistant").length;
}

/** The latest user message: the REPL output the model is reacting to. */
export function lastUserMessage(request: GenerateRequest): string {
  const messages = request.messages ?? [];
  for (let i = messages.length - 1; i >= 0; i--)
    if (messages[i]!.role === "user") return messages[i]!.content;
  return request.prompt ?? "";
}

/**
 * The question an RLM run asks, from its opening message ("Question: …", loop/messages.ts), or undefined
 * when the conversation has none.
 */
export function questionOf(request: GenerateRequest): string | undefined {
  const opening =
    request.messages?.find((message) => message.role === "user")?.content ?? request.prompt ?? "";
  const match = /(?:^|\n)Question: ([\s\S]*?)(?:\n\nYou have not looked at the context yet|$)/.exec(opening);
  const question = match?.[1]?.trim();
  return question ? question : undefined;
}

/** True for the one call made after the iteration cap. */
export function isForcedFinal(request: GenerateRequest): boolean {
  return lastUserMessage(request).includes("Give your final answer now");
}

/** A fenced block the engine runs. */
export function repl(code: string): string {
  return `\`\`\`repl\n${code}\n\`\`\``;
}

/** A Python string literal for `text` (JSON string syntax is valid Python). */
export function pyString(text: string): string {
  return JSON.stringify(text);
}
