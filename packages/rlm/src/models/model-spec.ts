/**
 * Model choices as one word each, for flags and config: `openai:MODEL` (any OpenAI-compatible endpoint),
 * `llama:PATH` (a GGUF file run by node-llama-cpp), `swarm:MODEL` (paid jobs to the market's providers
 * serving MODEL; `swarm:` or `swarm` = any model), or `scripted` (deterministic stand-ins, no model).
 */
export type ModelSpec =
  | { kind: "openai"; model: string }
  | { kind: "llama"; path: string }
  | { kind: "swarm"; model?: string }
  | { kind: "scripted" };

export class ModelSpecError extends Error {
  override name = "ModelSpecError";
}

export function parseModelSpec(text: string): ModelSpec {
  const value = text.trim();
  if (value === "scripted") return { kind: "scripted" };
  if (value === "swarm" || value === "swarm:") return { kind: "swarm" };
  const colon = value.indexOf(":");
  const kind = colon > 0 ? value.slice(0, colon) : "";
  const rest = colon > 0 ? value.slice(colon + 1).trim() : "";
  if (kind === "openai" && rest) return { kind: "openai", model: rest };
  if (kind === "llama" && rest) return { kind: "llama", path: rest };
  if (kind === "swarm" && rest) return { kind: "swarm", model: rest };
  throw new ModelSpecError(
    `"${text}" is not a model: use openai:MODEL, llama:PATH, swarm:MODEL (swarm: = any) or scripted`,
  );
}

export function formatModelSpec(spec: ModelSpec): string {
  if (spec.kind === "openai") return `openai:${spec.model}`;
  if (spec.kind === "llama") return `llama:${spec.path}`;
  if (spec.kind === "swarm") return spec.model === undefined ? "swarm" : `swarm:${spec.model}`;
  return "scripted";
}

export function sameModel(a: ModelSpec, b: ModelSpec): boolean {
  return formatModelSpec(a) === formatModelSpec(b);
}
