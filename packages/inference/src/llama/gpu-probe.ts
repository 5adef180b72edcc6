import { loadLlamaBinding } from "./binding.js";

/** What llama.cpp would run on here: the GPU backend node-llama-cpp finds, and its devices. */
export interface ComputeBackend {
  /** "metal", "cuda", "vulkan", or false for CPU only. */
  gpu: string | false;
  devices: string[];
}

/**
 * Loads node-llama-cpp's binding with `gpu: "auto"`, exactly as a node started with the default `--gpu auto`
 * does, and reports the backend it settled on. Throws when no binding loads at all.
 */
export async function detectComputeBackend(): Promise<ComputeBackend> {
  const llama = await loadLlamaBinding("auto");
  const devices = llama.gpu === false ? [] : await llama.getGpuDeviceNames().catch(() => []);
  return { gpu: llama.gpu, devices };
}
