/**
 * The models `pylon serve` answers for: `market/<name>` per model live providers serve, `rlm` (the RLM with
 * the configured root), and `rlm/<root>` for each market model as the root (`rlm/swarm:<name>`) and for the
 * configured root itself. Other roots are refused: a client must not make the server load a local file or
 * spend the operator's API key.
 */
import { type ModelEntry, ServiceError } from "@pylon/gateway";
import { formatModelSpec, type ModelSpec, parseModelSpec } from "@pylon/rlm";
import type { Swarm } from "@pylon/swarm";
import { MARKET_PREFIX, marketEntries, marketModels } from "./market-models.js";

export const RLM = "rlm";

export function listModels(swarm: Swarm, startedAt: number, root: ModelSpec): ModelEntry[] {
  const market = marketModels(swarm);
  const rlm = (id: string): ModelEntry => ({ id, created: startedAt, ownedBy: "pylon" });
  const roots = new Set([formatModelSpec(root), ...[...market.keys()].map((name) => `swarm:${name}`)]);
  return [...marketEntries(market), rlm(RLM), ...[...roots].sort().map((spec) => rlm(`${RLM}/${spec}`))];
}

/** The root model an `rlm` request asks for; undefined when the model is not an RLM one. */
export function rlmRoot(model: string, configured: ModelSpec, swarm: Swarm): ModelSpec | undefined {
  if (model === RLM) return configured;
  if (!model.startsWith(`${RLM}/`)) return undefined;
  const text = model.slice(RLM.length + 1);
  let spec: ModelSpec;
  try {
    spec = parseModelSpec(text);
  } catch {
    throw new ServiceError("unknown-model", `${model}: "${text}" is not a root model (use rlm/swarm:MODEL)`);
  }
  if (formatModelSpec(spec) === formatModelSpec(configured)) return configured;
  if (spec.kind !== "swarm")
    throw new ServiceError(
      "unknown-model",
      `${model}: this server runs RLM roots on the market only (rlm/swarm:MODEL) or its own root (rlm/${formatModelSpec(configured)})`,
    );
  if (spec.model !== undefined && !marketModels(swarm).has(spec.model))
    throw new ServiceError(
      "unknown-model",
      `${model}: no live provider serves ${spec.model} (see ${MARKET_PREFIX}* in the model list)`,
    );
  return spec;
}
