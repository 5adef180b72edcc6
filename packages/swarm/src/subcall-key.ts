/**
 * The memo key of a sub-call: a hash of everything that determines its answer (model, messages, output
 * bound, sampling, stop sequences). Two calls with the same key are the same question; the swarm asks it once.
 */
import { createHash } from "node:crypto";
import type { SubcallRequest } from "@pylon/rlm";

export function subcallKey(request: SubcallRequest, model: string | undefined): string {
  const canonical = JSON.stringify([
    model ?? null,
    request.messages.map((message) => [message.role, message.content]),
    request.maxTokens,
    request.temperature ?? null,
    // Only when given, so the keys of requests without stop sequences (memos of earlier runs) stay as they were.
    ...(request.stop && request.stop.length > 0 ? [request.stop] : []),
  ]);
  return createHash("sha256").update(canonical).digest("hex");
}

/** The sub-call's sampling seed, a uint32 from its key: the same question always carries the same seed. */
export function seedOf(hash: string): number {
  return Number.parseInt(hash.slice(0, 8), 16) >>> 0;
}

/** Rough prompt size in tokens: 4 characters a token, as the providers quote (plus a little per message). */
export function estimateInputTokens(request: SubcallRequest): number {
  let total = 0;
  for (const message of request.messages) total += Math.ceil(message.content.length / 4) + 4;
  return total;
}
