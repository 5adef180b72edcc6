/**
 * A sub-call as a NIP-90 job: the system message becomes the system input, the rest the prompt (a
 * multi-turn conversation is written out with its roles, since a 5050 request carries text, not turns).
 */
import type { JobSpec } from "@pylon/nostr";
import type { SubcallRequest } from "@pylon/rlm";

export function promptOf(request: SubcallRequest): { prompt: string; systemPrompt?: string } {
  const system = request.messages.filter((m) => m.role === "system").map((m) => m.content);
  const turns = request.messages.filter((m) => m.role !== "system");
  const prompt =
    turns.length === 1 && turns[0]!.role === "user"
      ? turns[0]!.content
      : turns.map((m) => `${m.role}: ${m.content}`).join("\n\n");
  return system.length > 0 ? { prompt, systemPrompt: system.join("\n\n") } : { prompt };
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
