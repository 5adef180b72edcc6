import type { Backend } from "@pylon/inference";
import {
  createScriptedBackend,
  type ScriptedBackendOptions,
  type ScriptedResponder,
} from "@pylon/inference/scripted";
import { type ProviderConfigInput, quietLogger, type RunningProvider, startProvider } from "@pylon/provider";
import type { Cleanup } from "../cleanup.js";
import { tempDir } from "../temp.js";

/** The model name scripted nodes announce. */
export const MODEL = "scripted-sub";

/**
 * The one price list of the test market, msats per 1,000 tokens: "hello world" (3 tokens) with max_tokens
 * 100 quotes ceil((3·10,000 + 100·20,000) / 1000) = 2,030 msats.
 */
export const PRICES = { inputPer1k: 10_000, outputPer1k: 20_000, minimum: 0 } as const;

/** Answers "answer to: <prompt>", so every reply can be matched to its request. */
export const echoAnswer: ScriptedResponder = (request) =>
  `answer to: ${request.messages?.at(-1)?.content ?? request.prompt ?? ""}`;

/** Wraps `backend` so a test can count its generate() calls: what proves a refused job did no work. */
export function countingBackend(backend: Backend): { backend: Backend; calls: () => number } {
  let calls = 0;
  return {
    backend: {
      kind: backend.kind,
      // The model's identity is announced: a wrapper that dropped it would make the node refuse every digest.
      ...(backend.identity ? { identity: backend.identity } : {}),
      info: () => backend.info(),
      generate: (request, options) => {
        calls++;
        return backend.generate(request, options);
      },
      close: () => backend.close(),
    },
    calls: () => calls,
  };
}

export interface ScriptedNodeSpec {
  relays: string[];
  /** Require Cashu payment (tabs or per-job tokens) from this mint at PRICES; free when absent. */
  mintUrl?: string;
  /** Default: echoAnswer. */
  responses?: ScriptedResponder;
  /** Scripted model time per job, ms: fixed, or drawn per job (ScriptedBackendOptions' latencyMs). Default 5. */
  latencyMs?: ScriptedBackendOptions["latencyMs"];
  slots?: number;
  queue?: number;
  name?: string;
  /** Failure injection (the node then answers with `error` feedback). */
  fail?: ScriptedBackendOptions["fail"];
  /** Serve with this backend instead (still counted). */
  backend?: Backend;
  /** Anything else of the node's config (dataDir, maxBatch, payments, prices…). */
  config?: Partial<ProviderConfigInput>;
}

export interface ScriptedNode {
  node: RunningProvider;
  /** generate() calls so far. */
  calls: () => number;
  /** Its Cashu payment key, for paid nodes. */
  p2pk?: string;
}

/** A real provider node (`startProvider`, its own data dir) on a scripted backend, stopped at cleanup. */
export async function scriptedNode(cleanup: Cleanup, spec: ScriptedNodeSpec): Promise<ScriptedNode> {
  const slots = spec.slots ?? 2;
  const latencyMs = spec.latencyMs ?? 5;
  const counted = countingBackend(
    spec.backend ??
      createScriptedBackend({
        responses: spec.responses ?? echoAnswer,
        model: MODEL,
        latencyMs,
        slots,
        maxQueue: 1_000,
        ...(spec.fail ? { fail: spec.fail } : {}),
      }),
  );
  const paid =
    spec.mintUrl === undefined
      ? { free: true }
      : { free: false, prices: { ...PRICES }, allowedMints: [spec.mintUrl] };
  const node = await startProvider(
    {
      relays: spec.relays,
      model: { type: "scripted", echo: true },
      slots,
      queue: spec.queue ?? 2,
      shutdownGraceSec: 0,
      name:
        spec.name ??
        `scripted node (${spec.mintUrl === undefined ? "free" : "paid"}, ${typeof latencyMs === "number" ? `${latencyMs} ms` : "drawn latency"})`,
      ...paid,
      ...spec.config,
      dataDir: spec.config?.dataDir ?? (await tempDir(cleanup, "pylon-node-")),
    },
    { backend: counted.backend, log: quietLogger, allowPrivateRequestRelays: true },
  );
  cleanup.add(() => node.stop());
  const p2pk = node.payments?.paymentKey;
  return { node, calls: counted.calls, ...(p2pk ? { p2pk } : {}) };
}
