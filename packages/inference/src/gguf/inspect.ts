/**
 * A model file's GGUF header, read without loading the model: `pylon doctor` checks a node's model with it.
 * The magic is checked first so a wrong file gets a plain answer ("not a GGUF file") rather than a parser
 * error; the metadata is then read by node-llama-cpp's own GGUF reader, the one that will load the model.
 */
import { open, stat } from "node:fs/promises";
import { GgufFileType, readGgufFileInfo } from "node-llama-cpp";

export interface GgufSummary {
  path: string;
  sizeBytes: number;
  version: number;
  tensorCount: number;
  architecture?: string;
  name?: string;
  /** `general.file_type` by its llama.cpp name, e.g. MOSTLY_Q4_0. */
  quantisation?: string;
  /** `general.file_type` as stored (llama.cpp's `llama_ftype`). */
  fileType?: number;
  contextLength?: number;
}

/** Why a file is not a usable GGUF; the message names the path. */
export class GgufInspectError extends Error {
  constructor(
    readonly path: string,
    /** The cause without the path, for a report that already names the file. */
    readonly reason: string,
  ) {
    super(`${path}: ${reason}`);
    this.name = "GgufInspectError";
  }
}

const MAGIC = "GGUF";

/** Reads a GGUF file's header and metadata. Throws GgufInspectError for a missing or non-GGUF file. */
export async function inspectGguf(path: string): Promise<GgufSummary> {
  let sizeBytes: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new GgufInspectError(path, "is not a regular file");
    sizeBytes = info.size;
  } catch (err) {
    if (err instanceof GgufInspectError) throw err;
    throw new GgufInspectError(path, `cannot be read (${(err as Error).message})`);
  }
  const head = Buffer.alloc(4);
  const handle = await open(path, "r");
  try {
    await handle.read(head, 0, 4, 0);
  } finally {
    await handle.close();
  }
  if (head.toString("latin1") !== MAGIC) {
    throw new GgufInspectError(path, `not a GGUF file (magic ${JSON.stringify(head.toString("latin1"))})`);
  }
  let info: Awaited<ReturnType<typeof readGgufFileInfo>>;
  try {
    info = await readGgufFileInfo(path, {
      sourceType: "filesystem",
      readTensorInfo: false,
      logWarnings: false,
      ignoreKeys: ["tokenizer.ggml.tokens", "tokenizer.ggml.scores", "tokenizer.ggml.token_type"],
    });
  } catch (err) {
    throw new GgufInspectError(path, `has a damaged GGUF header (${(err as Error).message})`);
  }
  const general = info.metadata.general;
  const fileType = general?.file_type;
  const context = (info.architectureMetadata as { context_length?: unknown } | undefined)?.context_length;
  return {
    path,
    sizeBytes,
    version: info.version,
    tensorCount: Number(info.tensorCount),
    ...(general?.architecture ? { architecture: String(general.architecture) } : {}),
    ...(general?.name ? { name: String(general.name) } : {}),
    ...(fileType !== undefined
      ? { quantisation: GgufFileType[fileType] ?? `file type ${fileType}`, fileType: Number(fileType) }
      : {}),
    ...(typeof context === "number" ? { contextLength: context } : {}),
  };
}
