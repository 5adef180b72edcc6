/**
 * The swarm's trust settings of one `pylon run` on the market: the reputation book in the data dir, the
 * spot-check rate, the required digest, the opt-in verdicts, and — with `--verify-local` — a local llama.cpp
 * backend that answers sampled checks itself, greedy with the check's seed, so the buyer's own model referees.
 */
import type { Backend, GpuSetting } from "@pylon/inference";
import type { SubcallRequest } from "@pylon/rlm";
import type { TrustOptions } from "@pylon/swarm";
import { bookFile } from "./book-file.js";
import type { TrustCliOptions } from "./run-flags.js";

export interface RunTrust {
  options: TrustOptions;
  /** Releases the local model, if one was opened. */
  close(): Promise<void>;
}

export interface LocalModelSettings {
  gpu: GpuSetting;
  threads?: number;
  contextSize?: number;
}

/** The TrustOptions the flags (and config) ask for; opens the --verify-local model, naming it if it fails. */
export async function openRunTrust(
  opts: TrustCliOptions,
  home: string,
  local: LocalModelSettings,
): Promise<RunTrust> {
  const backend = opts.verifyLocal ? await openLocal(opts.verifyLocal, local) : undefined;
  const options: TrustOptions = {
    book: bookFile(home),
    ...(opts.checks === false
      ? { checks: false as const }
      : opts.checkRate === undefined
        ? {}
        : { checks: { schedule: { baseRate: opts.checkRate } } }),
    ...(opts.modelDigest ? { modelDigest: opts.modelDigest } : {}),
    ...(backend ? { verifyLocal: localVerifier(backend) } : {}),
    ...(opts.publishVerdicts ? { publishVerdicts: true } : {}),
    ...(opts.trustLabelsFrom && opts.trustLabelsFrom.length > 0
      ? { trustLabelsFrom: opts.trustLabelsFrom }
      : {}),
  };
  return { options, close: async () => backend?.close() };
}

async function openLocal(model: string, local: LocalModelSettings): Promise<Backend> {
  // Loaded only when asked for: llama.cpp is heavy.
  const { createLlamaBackend } = await import("@pylon/inference");
  try {
    return await createLlamaBackend({
      model,
      gpu: local.gpu,
      ...(local.threads ? { threads: local.threads } : {}),
      ...(local.contextSize ? { contextSize: local.contextSize } : {}),
    });
  } catch (error) {
    throw new Error(`--verify-local ${model}: ${(error as Error).message}`);
  }
}

/** A check's reference answer from the local model: greedy, the check's seed, the request's own length. */
export function localVerifier(backend: Backend): (request: SubcallRequest, seed: number) => Promise<string> {
  return async (request, seed) => {
    const result = await backend.generate({
      messages: request.messages,
      maxTokens: request.maxTokens,
      temperature: 0,
      seed,
    });
    if (result.finishReason === "error") throw result.error ?? new Error("the local model failed");
    return result.text;
  };
}
