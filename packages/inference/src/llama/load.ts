import os from "node:os";
import path from "node:path";
import { type Llama, type LlamaContext, type LlamaModel, readGgufFileInfo } from "node-llama-cpp";
import { BackendError, rethrowAs } from "../errors.js";
import { type ModelIdentity, modelIdentity } from "../gguf/identity.js";
import { defaultThreads, loadLlamaBinding } from "./binding.js";
import { resolveModelSource } from "./model-source.js";
import { LLAMA_DEFAULTS, type LlamaBackendOptions } from "./options.js";

export interface LoadedModel {
  llama: Llama;
  model: LlamaModel;
  /** One context holding one sequence per slot. */
  context: LlamaContext;
  modelPath: string;
  threads: number;
  /** The model file's identity, hashed while the model loads (a big file takes seconds to minutes). */
  identity: ModelIdentity;
}

/** Finds (or downloads) the model file, loads it, and creates the shared multi-sequence context. */
export async function loadModelContext(options: LlamaBackendOptions): Promise<LoadedModel> {
  const gpu = options.gpu ?? "auto";
  const slots = options.slots ?? LLAMA_DEFAULTS.slots;
  const signal = options.signal;

  const modelPath = await resolveModelSource(options.model, {
    modelsDir: options.modelsDir ?? path.join(os.homedir(), ".pylon", "models"),
    timeoutMs: options.downloadTimeoutMs ?? LLAMA_DEFAULTS.downloadTimeoutMs,
    ...(options.onDownloadProgress ? { onProgress: options.onDownloadProgress } : {}),
    ...(options.huggingFaceEndpoint ? { huggingFaceEndpoint: options.huggingFaceEndpoint } : {}),
    ...(signal ? { signal } : {}),
  });
  // Parse the header in JS first: a clear "not a GGUF" beats whatever the native loader makes of it.
  await readGgufFileInfo(modelPath, { readTensorInfo: false, logWarnings: false }).catch(
    rethrowAs("model-invalid", `${modelPath} is not a readable GGUF model`),
  );
  const hashing = modelIdentity(modelPath, options.identityCache ? { cacheFile: options.identityCache } : {});
  hashing.catch(() => undefined); // awaited below; a load failing first must not leave it unhandled

  const llama = await loadLlamaBinding(gpu).catch(
    rethrowAs("internal", `cannot load the llama.cpp binding (gpu: ${String(gpu)})`),
  );
  const model = await llama
    .loadModel({ modelPath, ...(signal ? { loadSignal: signal } : {}) })
    .catch(rethrowAs("model-invalid", `cannot load ${modelPath}`));

  const contextSize = options.contextSize ?? Math.min(model.trainContextSize, LLAMA_DEFAULTS.contextCap);
  const threads = options.threads ?? defaultThreads(model.size, llama.cpuMathCores);
  try {
    const context = await model.createContext({
      sequences: slots,
      contextSize,
      threads,
      ...(options.batchSize ? { batchSize: options.batchSize } : {}),
      ...(signal ? { createSignal: signal } : {}),
    });
    const identity = await hashing.catch(async (error: unknown) => {
      await context.dispose();
      return rethrowAs("model-invalid", `cannot compute the identity of ${modelPath}`)(error);
    });
    return { llama, model, context, modelPath, threads, identity };
  } catch (error) {
    await model.dispose();
    if (error instanceof BackendError) throw error;
    return rethrowAs("bad-request", `cannot create a context of ${slots} x ${contextSize} tokens`)(error);
  }
}
