/**
 * A parsed NIP-90 request turned into what the inference backend runs, and the checks that only the node
 * can make (which model it serves, what it caps).
 */
import type { ChatMessage, GenerateRequest } from "@pylon/inference";
import type { BatchItem, JobRequest } from "@pylon/protocol";

/**
 * Extension param (see docs/protocol.md): `["param", "ignore_eos", "true"]` keeps generating to
 * max_tokens. Benchmarks use it to fix output lengths; it cannot cost the node more than max_tokens,
 * which is what the job is priced for anyway.
 */
export const IGNORE_EOS_PARAM = "ignore_eos";

export interface ServedModel {
  name: string;
  aliases: readonly string[];
  serveAnyModel: boolean;
  /** The model file's sha256 ("sha256:…"), when the backend knows it. */
  digest?: string;
}

/** Undefined when the node serves the model the request names (or it names none); else why not. */
export function modelMismatch(job: JobRequest, served: ServedModel): string | undefined {
  const asked = job.params.model;
  if (asked === undefined || served.serveAnyModel) return undefined;
  const wanted = asked.toLowerCase();
  if ([served.name, ...served.aliases].some((name) => name.toLowerCase() === wanted)) return undefined;
  return `model "${asked.slice(0, 64)}" is not served here; this node serves "${served.name}" (leave out the model param to accept it)`;
}

/**
 * Undefined when the request names no model digest or this node's; else why not. Never waived (not even by
 * serveAnyModel): a buyer naming a digest pays only for those exact weights. A node that does not know its
 * model's digest (a remote or scripted backend) cannot vouch for any.
 */
export function digestMismatch(job: JobRequest, served: ServedModel): string | undefined {
  const asked = job.params.modelDigest;
  if (asked === undefined || asked === served.digest) return undefined;
  if (served.digest === undefined)
    return `model digest ${asked} cannot be vouched for here: this node does not know its model's digest (it announces none)`;
  return `model digest ${asked} is not served here; this node serves model digest ${served.digest} (leave out the model_digest param to accept it)`;
}

export function toGenerateRequest(job: JobRequest, maxTokensCap: number): GenerateRequest {
  const messages: ChatMessage[] = [];
  if (job.messages) {
    // A conversation (role-marked inputs): its turns as they came, empty system prompts left out.
    for (const turn of job.messages)
      if (turn.role !== "system" || turn.content.trim() !== "") messages.push({ ...turn });
  } else {
    if (job.systemPrompt !== undefined && job.systemPrompt.trim() !== "")
      messages.push({ role: "system", content: job.systemPrompt });
    messages.push({ role: "user", content: job.prompt });
  }
  const { params } = job;
  const request: GenerateRequest = {
    messages,
    maxTokens: Math.min(params.maxTokens ?? maxTokensCap, maxTokensCap),
  };
  if (params.temperature !== undefined) request.temperature = params.temperature;
  if (params.topK !== undefined) request.topK = params.topK;
  // The backend wants top_p in (0, 1]; 0 would mean "nothing may be sampled", read as greedy.
  if (params.topP !== undefined) request.topP = params.topP > 0 ? params.topP : Number.MIN_VALUE;
  // Backends take 32-bit seeds; folding keeps larger ones deterministic instead of refusing them.
  if (params.seed !== undefined) request.seed = params.seed % 2 ** 32;
  if (params.stop && params.stop.length > 0) request.stop = params.stop;
  if (isTruthy(job.extraParams[IGNORE_EOS_PARAM])) request.ignoreEos = true;
  return request;
}

function isTruthy(value: string | undefined): boolean {
  return value !== undefined && ["1", "true", "yes"].includes(value.trim().toLowerCase());
}

/**
 * One item of a batch as the single job it stands for: the item's prompt, system prompt, max_tokens,
 * temperature and seed, the request's other params. Pricing and generation then treat it like any job.
 */
export function itemAsJob(job: JobRequest, item: BatchItem): JobRequest {
  const params = { ...job.params };
  if (item.maxTokens !== undefined) params.maxTokens = item.maxTokens;
  if (item.temperature !== undefined) params.temperature = item.temperature;
  if (item.seed !== undefined) params.seed = item.seed;
  const single: JobRequest = { ...job, prompt: item.prompt, params };
  delete single.batch;
  if (item.system !== undefined) single.systemPrompt = item.system;
  return single;
}
