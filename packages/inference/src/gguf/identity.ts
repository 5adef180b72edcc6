/**
 * A model file's identity, what a provider announces so buyers can tell which exact weights serve them: the
 * sha256 of the whole file (streamed: a model never sits in memory), its size, and its architecture and
 * quantisation read from the GGUF header. Hashing is slow for big files, so the result can be cached.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { GgmlType, GgufFileType, readGgufFileInfo } from "node-llama-cpp";
import { cachedIdentity, type FileStamp, storeIdentity } from "./identity-cache.js";
import { GgufInspectError, inspectGguf } from "./inspect.js";

export interface ModelIdentity {
  /** "sha256:" + 64 lowercase hex: the SHA-256 of the whole file. */
  digest: string;
  sizeBytes: number;
  /** GGUF `general.architecture`, e.g. "llama"; "unknown" when the header has none. */
  architecture: string;
  /** llama.cpp's name of the weights' type, e.g. "F32", "F16", "Q4_0", "Q8_0", "Q4_K_M"; or "unknown". */
  quantisation: string;
}

export interface ModelIdentityOptions {
  /** JSON file caching identities by (absolute path, size, mtime); none: hash every time. */
  cacheFile?: string;
}

/**
 * The identity of the GGUF at `file`. Throws GgufInspectError for a missing or non-GGUF file. A cache that
 * cannot be written costs only the next start's hashing, so that failure is not thrown.
 */
export async function modelIdentity(
  file: string,
  options: ModelIdentityOptions = {},
): Promise<ModelIdentity> {
  return await identityOf(path.resolve(file), options, 2);
}

async function identityOf(
  absolute: string,
  options: ModelIdentityOptions,
  attempts: number,
): Promise<ModelIdentity> {
  const before = await stampOf(absolute);
  if (options.cacheFile) {
    const cached = await cachedIdentity(options.cacheFile, before);
    if (cached) return cached;
  }
  const summary = await inspectGguf(absolute);
  const identity: ModelIdentity = {
    digest: await sha256Of(absolute),
    sizeBytes: before.sizeBytes,
    architecture: summary.architecture ?? "unknown",
    quantisation: quantisationName(summary.fileType) ?? (await dominantTensorType(absolute)) ?? "unknown",
  };
  const after = await stampOf(absolute);
  // Changed while hashing: the digest may match neither version; hash again (never cache a mix).
  if (after.sizeBytes !== before.sizeBytes || after.mtimeMs !== before.mtimeMs) {
    if (attempts > 1) return await identityOf(absolute, options, attempts - 1);
    throw new GgufInspectError(absolute, "keeps changing while it is hashed (still being written?)");
  }
  if (options.cacheFile) await storeIdentity(options.cacheFile, before, identity).catch(() => undefined);
  return identity;
}

/** llama.cpp's short name of a `general.file_type` ("MOSTLY_Q4_K_M" → "Q4_K_M"); undefined if unknown. */
export function quantisationName(fileType: number | undefined): string | undefined {
  if (fileType === undefined) return undefined;
  const name = GgufFileType[fileType];
  return name?.replace(/^(ALL|MOSTLY)_/, "");
}

async function stampOf(file: string): Promise<FileStamp> {
  const info = await stat(file).catch((error: Error) => {
    throw new GgufInspectError(file, `cannot be read (${error.message})`);
  });
  return { path: file, sizeBytes: info.size, mtimeMs: info.mtimeMs };
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash("sha256");
  await pipeline(createReadStream(file, { highWaterMark: 1 << 20 }), hash);
  return `sha256:${hash.digest("hex")}`;
}

/**
 * For a header without a (known) file type: the type holding most weights among the matrices (vectors such
 * as norms stay F32 in every quantisation), by ggml's name, e.g. "Q8_0".
 */
async function dominantTensorType(file: string): Promise<string | undefined> {
  const info = await readGgufFileInfo(file, {
    sourceType: "filesystem",
    readTensorInfo: true,
    logWarnings: false,
    ignoreKeys: ["tokenizer.ggml.tokens", "tokenizer.ggml.scores", "tokenizer.ggml.token_type"],
  }).catch(() => undefined);
  const weights = new Map<number, number>();
  for (const tensor of info?.fullTensorInfo ?? info?.tensorInfo ?? []) {
    if (tensor.dimensions.length < 2) continue;
    const elements = tensor.dimensions.reduce<number>((product, dim) => product * Number(dim), 1);
    weights.set(tensor.ggmlType, (weights.get(tensor.ggmlType) ?? 0) + elements);
  }
  const [type] = [...weights].sort((a, b) => b[1] - a[1])[0] ?? [];
  return type === undefined ? undefined : (GgmlType[type] ?? `ggml type ${type}`);
}
