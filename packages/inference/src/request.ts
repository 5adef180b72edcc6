import type { ChatMessage, GenerateRequest } from "./backend.js";
import { BackendError } from "./errors.js";

export const DEFAULT_MAX_TOKENS = 256;

/** Generous ceilings that stop absurd requests early; real limits come from the model's context. */
export const REQUEST_LIMITS = {
  maxTokens: 1 << 20,
  stopStrings: 16,
  stopStringLength: 256,
  messages: 10_000,
} as const;

const ROLES: ReadonlySet<string> = new Set(["system", "user", "assistant"]);

/** A request after validation: defaults applied where every backend agrees on them. */
export interface NormalisedRequest {
  messages: ChatMessage[] | undefined;
  prompt: string | undefined;
  maxTokens: number;
  temperature: number | undefined;
  topK: number | undefined;
  topP: number | undefined;
  seed: number | undefined;
  stop: string[];
  ignoreEos: boolean;
}

/**
 * Checks a request that may come straight from the network (so types are checked at run time) and throws
 * BackendError "bad-request" naming the offending field.
 */
export function normaliseRequest(input: unknown): NormalisedRequest {
  if (typeof input !== "object" || input === null) throw badRequest("request must be an object");
  const request = input as Partial<Record<keyof GenerateRequest, unknown>>;

  const hasMessages = request.messages !== undefined;
  const hasPrompt = request.prompt !== undefined;
  if (hasMessages === hasPrompt) throw badRequest("request needs exactly one of `messages` or `prompt`");

  return {
    messages: hasMessages ? checkMessages(request.messages) : undefined,
    prompt: hasPrompt ? checkPrompt(request.prompt) : undefined,
    maxTokens:
      optionalInteger(request.maxTokens, "maxTokens", 1, REQUEST_LIMITS.maxTokens) ?? DEFAULT_MAX_TOKENS,
    temperature: optionalNumber(request.temperature, "temperature", 0, 2),
    topK: optionalInteger(request.topK, "topK", 0, 1 << 20),
    topP: optionalNumber(request.topP, "topP", Number.MIN_VALUE, 1),
    seed: optionalInteger(request.seed, "seed", 0, 0xffffffff),
    stop: checkStop(request.stop),
    ignoreEos: optionalBoolean(request.ignoreEos, "ignoreEos") ?? false,
  };
}

function checkMessages(value: unknown): ChatMessage[] {
  if (!Array.isArray(value) || value.length === 0) throw badRequest("`messages` must be a non-empty array");
  if (value.length > REQUEST_LIMITS.messages) throw badRequest(`at most ${REQUEST_LIMITS.messages} messages`);
  return value.map((message: unknown, index) => {
    if (typeof message !== "object" || message === null)
      throw badRequest(`messages[${index}] must be an object`);
    const { role, content } = message as Record<string, unknown>;
    if (typeof role !== "string" || !ROLES.has(role))
      throw badRequest(`messages[${index}].role must be "system", "user" or "assistant"`);
    if (typeof content !== "string") throw badRequest(`messages[${index}].content must be a string`);
    return { role: role as ChatMessage["role"], content };
  });
}

function checkPrompt(value: unknown): string {
  if (typeof value !== "string" || value.length === 0)
    throw badRequest("`prompt` must be a non-empty string");
  return value;
}

function checkStop(value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw badRequest("`stop` must be an array of strings");
  if (value.length > REQUEST_LIMITS.stopStrings)
    throw badRequest(`at most ${REQUEST_LIMITS.stopStrings} stop strings`);
  for (const stop of value) {
    if (typeof stop !== "string" || stop.length === 0 || stop.length > REQUEST_LIMITS.stopStringLength)
      throw badRequest(`stop strings must be 1 to ${REQUEST_LIMITS.stopStringLength} characters`);
  }
  return [...value];
}

function optionalNumber(value: unknown, field: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isFinite(value) || value < min || value > max)
    throw badRequest(
      `\`${field}\` must be a number from ${min === Number.MIN_VALUE ? "above 0" : min} to ${max}`,
    );
  return value;
}

function optionalInteger(value: unknown, field: string, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max)
    throw badRequest(`\`${field}\` must be an integer from ${min} to ${max}`);
  return value;
}

function optionalBoolean(value: unknown, field: string): boolean | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "boolean") throw badRequest(`\`${field}\` must be a boolean`);
  return value;
}

function badRequest(message: string): BackendError {
  return new BackendError("bad-request", message);
}
