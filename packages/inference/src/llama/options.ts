import { BackendError } from "../errors.js";
import type { GpuSetting } from "./binding.js";
import type { DownloadProgress } from "./model-source.js";

export interface LlamaBackendOptions {
  /** A GGUF file path, or a URI to download: `hf:user/repo:quant`, `hf:user/repo/file.gguf`, https URL. */
  model: string;
  /** Where downloads go (and are found again). Default ~/.pylon/models. */
  modelsDir?: string;
  /** Reported model name. Default: the file name without ".gguf". */
  modelName?: string;
  /** Context sequences = jobs decoded together in one batch. Default 4. */
  slots?: number;
  /** Jobs that may wait for a sequence before new ones are refused with "busy". Default 32. */
  maxQueue?: number;
  /** Tokens per sequence (prompt + output). Default: the model's training context, at most 4096. */
  contextSize?: number;
  /** Tokens per decode batch. Default: node-llama-cpp's (512, or the context size if smaller). */
  batchSize?: number;
  /** CPU decode threads. Default: 1 for models under 64 MiB, else the machine's math cores. */
  threads?: number;
  /** Default "auto" (node-llama-cpp detects CUDA, Vulkan or Metal); false forces the CPU. */
  gpu?: GpuSetting;
  /** Unreachable download host, or a download without progress, fails after this long. Default 30 s. */
  downloadTimeoutMs?: number;
  onDownloadProgress?: (progress: DownloadProgress) => void;
  /** Hugging Face mirror for `hf:` URIs. */
  huggingFaceEndpoint?: string;
  /**
   * JSON file caching the model file's identity (its sha256 takes a while for big files) by path, size and
   * mtime. None: the file is hashed at every load.
   */
  identityCache?: string;
  /** Cancels a download or load in progress. */
  signal?: AbortSignal;
}

export const LLAMA_DEFAULTS = {
  slots: 4,
  maxQueue: 32,
  contextCap: 4096,
  downloadTimeoutMs: 30_000,
} as const;

/** Checks what the caller set, before anything slow happens; defaults computed later are valid by construction. */
export function checkLlamaOptions(options: LlamaBackendOptions): void {
  if (typeof options.model !== "string" || options.model.length === 0)
    throw new BackendError("bad-request", "llama backend needs a model path or URI");
  const ranges: Array<[keyof LlamaBackendOptions, number, number]> = [
    ["slots", 1, 256],
    ["maxQueue", 0, 1_000_000],
    ["contextSize", 16, 1 << 24],
    ["batchSize", 1, 1 << 20],
    ["threads", 1, 1024],
    ["downloadTimeoutMs", 1, 24 * 3600 * 1000],
  ];
  for (const [name, min, max] of ranges) {
    const value = options[name];
    if (value === undefined) continue;
    if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max)
      throw new BackendError(
        "bad-request",
        `${name} must be an integer from ${min} to ${max}, got ${String(value)}`,
      );
  }
}
