import type { TinyGgufOptions } from "./tiny-model.js";

/**
 * Named shapes for generated models. "tiny" is the test and demo model. The "medium" ones (134M weights in
 * 12 blocks of width 1024, grouped-query attention) are for benchmarks: far larger than the CPU caches, so
 * every decode step streams the weights from memory the way a real model does. Their stored type decides
 * what limits decoding on a small CPU: F32 is memory-bound (where batching pays off), Q8_0/Q4_0 are
 * compute-bound on 2 cores.
 */
export const GENERATED_MODEL_SHAPES = {
  tiny: {},
  "medium-q4": { embedding: 1024, layers: 12, heads: 16, kvHeads: 4, ffn: 2816, weights: "q4_0" },
  "medium-q8": { embedding: 1024, layers: 12, heads: 16, kvHeads: 4, ffn: 2816, weights: "q8_0" },
  "medium-f32": { embedding: 1024, layers: 12, heads: 16, kvHeads: 4, ffn: 2816, weights: "f32" },
} as const satisfies Record<string, TinyGgufOptions>;

export type GeneratedModelShape = keyof typeof GENERATED_MODEL_SHAPES;

/** The options of a named shape, or a clear error listing the names. */
export function generatedModelShape(name: string): TinyGgufOptions {
  if (!Object.hasOwn(GENERATED_MODEL_SHAPES, name))
    throw new RangeError(
      `unknown model shape "${name}"; one of ${Object.keys(GENERATED_MODEL_SHAPES).join(", ")}`,
    );
  return GENERATED_MODEL_SHAPES[name as GeneratedModelShape];
}
