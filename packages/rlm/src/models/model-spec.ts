/**
 * Model choices as one word each, for flags and config: `openai:MODEL` (any OpenAI-compatible endpoint),
 * `llama:PATH` (a GGUF file run by node-llama-cpp), or `scripted` (deterministic stand-ins, no model).
 */
export type ModelSpec =
  | { kind: "openai"; model: string }
  | { kind: "llama"; path: string }
  | { kind: "scripted" };

export class ModelSpecError extends Error {
  override name = "ModelSpecError";
}

export function parseModelSpec(text: string): ModelSpec {
  const value = text.trim();
  if (value === "scripted") return { kind: "scripted" };
  const colon = value.indexOf(":");
  const kind = colon > 0 ? value.slice(0, colon) : "";
  const rest = colon > 0 ? value.slice(colon + 1).trim() : "";
  if (kind === "openai" && rest) return { kind: "openai", model: rest };
  if (kind === "llama" && rest) return { kind: "llama", path: rest };
  throw new ModelSpecError(`"${text}" is not a model: use openai:MODEL, llama:PATH or scripted`);
}

export function formatModelSpec(spec: ModelSpec): string {
  if (spec.kind === "openai") return `openai:${spec.model}`;
  if (spec.kind === "llama") return `llama:${spec.path}`;
  return "scripted";
}

export function sameModel(a: ModelSpec, b: ModelSpec): boolean {
  return formatModelSpec(a) === formatModelSpec(b);
}
