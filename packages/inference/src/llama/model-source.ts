import { stat } from "node:fs/promises";
import path from "node:path";
import { resolveModelFile } from "node-llama-cpp";
import { BackendError, errorMessage } from "../errors.js";

export interface DownloadProgress {
  downloadedBytes: number;
  totalBytes: number;
}

export interface ModelSourceOptions {
  /** Where downloaded models are stored and looked up. */
  modelsDir: string;
  /** Give up when the source host cannot be reached, or a download makes no progress, for this long. */
  timeoutMs: number;
  onProgress?: (progress: DownloadProgress) => void;
  /** Hugging Face mirror; defaults to $HF_ENDPOINT, then https://huggingface.co. */
  huggingFaceEndpoint?: string;
  signal?: AbortSignal;
}

/** `hf:user/repo:quant`, `hf:user/repo/file.gguf` and http(s) URLs are downloaded; anything else is a path. */
export function isRemoteModelSource(source: string): boolean {
  return /^hf:/i.test(source) || /^https?:\/\//i.test(source);
}

/** Returns the local file for a model path or URI, downloading it first when needed. */
export async function resolveModelSource(source: string, options: ModelSourceOptions): Promise<string> {
  if (!isRemoteModelSource(source)) return await checkLocalFile(path.resolve(source));

  const endpoints = options.huggingFaceEndpoint ? { huggingFace: options.huggingFaceEndpoint } : undefined;
  const cached = await resolveModelFile(source, {
    directory: options.modelsDir,
    download: false,
    cli: false,
    endpoints,
  }).catch(() => undefined);
  if (cached) return cached;

  await ensureReachable(source, options);
  return await download(source, options, endpoints);
}

async function checkLocalFile(file: string): Promise<string> {
  const stats = await stat(file).catch((error: unknown) => {
    throw new BackendError("model-not-found", `no model file at ${file} (${errorMessage(error)})`, {
      cause: error,
    });
  });
  if (!stats.isFile()) throw new BackendError("model-not-found", `model path ${file} is not a file`);
  return file;
}

/**
 * node-llama-cpp retries unreachable hosts for minutes without honouring a signal; one bounded request
 * first turns "offline" into a clear error within `timeoutMs`.
 */
async function ensureReachable(source: string, options: ModelSourceOptions): Promise<void> {
  const origin = sourceOrigin(source, options.huggingFaceEndpoint);
  const signals = [AbortSignal.timeout(options.timeoutMs), ...(options.signal ? [options.signal] : [])];
  try {
    const response = await fetch(origin, {
      method: "HEAD",
      signal: AbortSignal.any(signals),
      redirect: "manual",
    });
    await response.body?.cancel();
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code ?? errorMessage(error);
    throw new BackendError(
      "model-not-found",
      `cannot download ${source}: ${origin} is unreachable (${cause}). Offline? Copy the model into ` +
        `${options.modelsDir} or pass a local file path.`,
      { cause: error },
    );
  }
}

async function download(
  source: string,
  options: ModelSourceOptions,
  endpoints: { huggingFace: string } | undefined,
): Promise<string> {
  const stalled = new AbortController();
  let watchdog = setTimeout(() => stalled.abort(), options.timeoutMs);
  const stallError = new Promise<never>((_, reject) => {
    stalled.signal.addEventListener("abort", () =>
      reject(
        new BackendError(
          "model-not-found",
          `download of ${source} made no progress for ${options.timeoutMs} ms`,
        ),
      ),
    );
  });
  const downloading = resolveModelFile(source, {
    directory: options.modelsDir,
    cli: false,
    endpoints,
    signal: options.signal ? AbortSignal.any([stalled.signal, options.signal]) : stalled.signal,
    onProgress: ({ downloadedSize, totalSize }) => {
      clearTimeout(watchdog);
      watchdog = setTimeout(() => stalled.abort(), options.timeoutMs);
      options.onProgress?.({ downloadedBytes: downloadedSize, totalBytes: totalSize });
    },
  });
  downloading.catch(() => undefined); // after a stall it may still settle; nobody is listening then

  try {
    return await Promise.race([downloading, stallError]);
  } catch (error) {
    if (error instanceof BackendError) throw error;
    throw new BackendError("model-not-found", `cannot download ${source}: ${errorMessage(error)}`, {
      cause: error,
    });
  } finally {
    clearTimeout(watchdog);
  }
}

function sourceOrigin(source: string, huggingFaceEndpoint: string | undefined): string {
  if (/^https?:\/\//i.test(source)) return new URL(source).origin;
  return huggingFaceEndpoint ?? process.env.HF_ENDPOINT ?? "https://huggingface.co";
}
