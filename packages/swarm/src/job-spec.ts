/**
 * A sub-call as a NIP-90 job: a system message and one user message become the system input and the
 * prompt (plain 5050, for any provider); a longer conversation is sent as role-marked inputs
 * (docs/protocol.md "Conversations"), so an RLM's root turns keep their roles.
 */
import type { JobSpec } from "@pylon/nostr";
import type { ChatTurn } from "@pylon/protocol";
import type { SubcallRequest } from "@pylon/rlm";

export function promptOf(
  request: SubcallRequest,
): { prompt: string; systemPrompt?: string } | { messages: ChatTurn[] } {
  if (isConversation(request)) return { messages: request.messages.map((m) => ({ ...m })) };
  const system = request.messages.filter((m) => m.role === "system").map((m) => m.content);
  const prompt = request.messages.find((m) => m.role === "user")?.content ?? "";
  return system.length > 0 ? { prompt, systemPrompt: system.join("\n\n") } : { prompt };
}

/**
 * More than one turn (or a turn that is not the user's): sent as a conversation, never batched (nor is a
 * request with stop sequences: batch items carry none).
 */
export function isConversation(request: SubcallRequest): boolean {
  const turns = request.messages.filter((m) => m.role !== "system");
  return turns.length !== 1 || turns[0]!.role !== "user";
}

export interface JobSpecInput {
  request: SubcallRequest;
  provider: string;
  model: string | undefined;
  encrypt: boolean;
  /** Unix seconds after which the provider must not start it (NIP-40). */
  expiration: number;
  bidMsats: number | undefined;
  cashuToken: string | undefined;
  extraParams?: Record<string, string> | undefined;
  /** Sampling seed (uint32): a spot check repeats the job exactly. */
  seed?: number | undefined;
  /** The model digest required (the provider refuses the job when it has another model). */
  modelDigest?: string | undefined;
}

export function jobSpecFor(input: JobSpecInput): JobSpec {
  const { request } = input;
  return {
    ...promptOf(request),
    params: {
      ...(input.model === undefined ? {} : { model: input.model }),
      maxTokens: request.maxTokens,
      ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
      ...(request.stop && request.stop.length > 0 ? { stop: [...request.stop] } : {}),
      ...(input.seed === undefined ? {} : { seed: input.seed }),
      ...(input.modelDigest === undefined ? {} : { modelDigest: input.modelDigest }),
    },
    provider: input.provider,
    expiration: input.expiration,
    ...(input.bidMsats ? { bidMsats: input.bidMsats } : {}),
    ...(input.encrypt ? { encryption: "nip44" as const } : {}),
    ...(input.cashuToken === undefined ? {} : { cashuToken: input.cashuToken }),
    ...(input.extraParams === undefined ? {} : { extraParams: input.extraParams }),
  };
}
