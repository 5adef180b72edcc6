/**
 * Where a job request's prompt is (parseJobRequest's helpers): text inputs, else `param prompt`, else
 * `content`; the system prompt; a conversation's turns when inputs carry role markers; a batch's items.
 */
import type { BatchItem } from "./nip90-batch.js";
import { type ChatTurn, isTurnMarker, type JobInput, SYSTEM_MARKER } from "./nip90-inputs.js";
import { type ParseFailure, parseFailure } from "./parse-result.js";

export type Prompts = { ok: true; prompt: string; systemPrompt?: string; warnings: string[] };

export function assemblePrompts(
  inputs: readonly JobInput[],
  paramPrompt: string | undefined,
  paramSystem: string | undefined,
  content: string,
): Prompts | ParseFailure {
  const warnings: string[] = [];
  const text = inputs.filter((input) => input.type === "text");
  const system = text.filter((input) => input.marker === SYSTEM_MARKER).map((input) => input.data);
  const user = text.filter((input) => input.marker !== SYSTEM_MARKER).map((input) => input.data);
  let prompt = user.join("\n\n");
  if (prompt.trim() !== "" && paramPrompt !== undefined)
    warnings.push("param prompt ignored: the request has text inputs");
  if (prompt.trim() === "" && paramPrompt !== undefined) prompt = paramPrompt;
  if (prompt.trim() === "" && content.trim() !== "") {
    prompt = content;
    warnings.push("prompt read from content");
  }
  const others = inputs.filter((input) => input.type !== "text");
  if (prompt.trim() === "") {
    if (others[0]) {
      return parseFailure(
        "unsupported",
        `${others[0].type} inputs are not fetched here; send the text itself`,
      );
    }
    return parseFailure("invalid", 'request has no prompt: add ["i", "<prompt>", "text"]');
  }
  if (others.length > 0) warnings.push(`${others.length} non-text input(s) not fetched`);
  const systemPrompt = system.length > 0 ? system.join("\n\n") : paramSystem;
  return systemPrompt === undefined
    ? { ok: true, prompt, warnings }
    : { ok: true, prompt, systemPrompt, warnings };
}

/** The turns of a request whose text inputs carry role markers; undefined for a plain prompt. */
export function conversationOf(
  inputs: readonly JobInput[],
  systemPrompt: string | undefined,
): ChatTurn[] | undefined {
  const text = inputs.filter((input) => input.type === "text" && input.marker !== SYSTEM_MARKER);
  if (!text.some((input) => isTurnMarker(input.marker))) return undefined;
  const turns: ChatTurn[] = systemPrompt === undefined ? [] : [{ role: "system", content: systemPrompt }];
  for (const input of text)
    turns.push({ role: isTurnMarker(input.marker) ? input.marker : "user", content: input.data });
  return turns;
}

/** A batch carries its prompts in its items: request-level prompt params have nothing to apply to. */
export function batchPrompts(paramPrompt: string | undefined, paramSystem: string | undefined): Prompts {
  const warnings: string[] = [];
  if (paramPrompt !== undefined || paramSystem !== undefined)
    warnings.push("param prompt/system ignored: a batch carries its prompts in its items");
  return { ok: true, prompt: "", warnings };
}

export function capItemTokens(items: BatchItem[], cap: number | undefined, warnings: string[]): void {
  if (cap === undefined) return;
  let lowered = 0;
  for (const item of items) {
    if (item.maxTokens !== undefined && item.maxTokens > cap) {
      item.maxTokens = cap;
      lowered++;
    }
  }
  if (lowered > 0) warnings.push(`max_tokens of ${lowered} batch item(s) lowered to ${cap}`);
}
