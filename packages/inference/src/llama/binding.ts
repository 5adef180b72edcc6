import os from "node:os";
import { getLlama, type Llama, LlamaLogLevel } from "node-llama-cpp";

/** "auto" lets node-llama-cpp pick the best available GPU backend; false forces CPU. */
export type GpuSetting = "auto" | false | "cuda" | "vulkan" | "metal";

/**
 * Below this size a model is "tiny": its matrices are so small that synchronising decode threads costs
 * more than the math saves. Measured with the generated tiny GGUF on a 2-core machine: 2 threads decode
 * 5-20x slower than 1.
 */
export const SMALL_MODEL_BYTES = 64 * 1024 * 1024;

/**
 * Decoding threads when the operator sets none: one for tiny models, otherwise one per core. Never more
 * than the cores: node-llama-cpp's own CPU default is at least 4 threads, which on a 2-core machine decodes
 * hundreds of times slower.
 */
export function defaultThreads(modelBytes: number | undefined, cores = os.availableParallelism()): number {
  if (modelBytes !== undefined && modelBytes < SMALL_MODEL_BYTES) return 1;
  return Math.max(1, cores);
}

const bindings = new Map<string, Promise<Llama>>();

/**
 * One native binding per GPU setting for the whole process: loading it takes about half a second, and
 * every model and context can share it. `maxThreads: 0` makes each context use exactly the threads it
 * asks for instead of node-llama-cpp's shared (and on small machines oversized) thread budget.
 */
export function loadLlamaBinding(gpu: GpuSetting): Promise<Llama> {
  const key = String(gpu);
  let binding = bindings.get(key);
  if (!binding) {
    binding = getLlama({ gpu, maxThreads: 0, logLevel: LlamaLogLevel.error });
    binding.catch(() => bindings.delete(key)); // let a later call retry a failed load
    bindings.set(key, binding);
  }
  return binding;
}
