/**
 * Model identity on the wire: which exact weights a provider serves. A model offer may carry the GGUF's
 * sha256 (`digest`, "sha256:" + 64 lowercase hex), its size in bytes (`size`), architecture (`arch`) and
 * quantisation (`quant`); a request may require a digest (`["param", "model_digest", "sha256:…"]`).
 * See docs/protocol.md, "Model identity".
 */

/** A model file's identity as announced: the digest is what a buyer can require. */
export interface ModelIdentityFields {
  /** "sha256:" + 64 lowercase hex: the model file's SHA-256. */
  digest?: string;
  /** The model file's size, bytes. */
  sizeBytes?: number;
  /** GGUF `general.architecture`, e.g. "llama". */
  architecture?: string;
  /** llama.cpp's name of the weights' type, e.g. "Q4_K_M", "F16". */
  quantisation?: string;
}

const DIGEST_PATTERN = /^sha256:[0-9a-f]{64}$/;
const MAX_LABEL_CHARS = 64;

/** True for "sha256:" followed by 64 lowercase hex digits, the one spelling we write. */
export function isModelDigest(value: unknown): value is string {
  return typeof value === "string" && DIGEST_PATTERN.test(value);
}

/** A digest as anyone may spell it (spaces around, upper-case hex) in our spelling, or undefined. */
export function readModelDigest(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const digest = value.trim().toLowerCase();
  return isModelDigest(digest) ? digest : undefined;
}

/**
 * The identity fields of one model entry of an announcement, read tolerantly: a present but malformed
 * field reads as absent with a warning, and never costs the rest of the entry.
 */
export function readIdentityFields(raw: Record<string, unknown>, warnings: string[]): ModelIdentityFields {
  const out: ModelIdentityFields = {};
  const bad = (key: string) => warnings.push(`announcement model ${key} unreadable, ignored`);
  if (raw.digest !== undefined && raw.digest !== null) {
    const digest = readModelDigest(raw.digest);
    if (digest) out.digest = digest;
    else bad("digest");
  }
  if (raw.size !== undefined && raw.size !== null) {
    if (Number.isSafeInteger(raw.size) && (raw.size as number) >= 0) out.sizeBytes = raw.size as number;
    else bad("size");
  }
  for (const [key, field] of [
    ["arch", "architecture"],
    ["quant", "quantisation"],
  ] as const) {
    const value = raw[key];
    if (value === undefined || value === null) continue;
    const label = typeof value === "string" ? value.trim() : "";
    if (label !== "" && label.length <= MAX_LABEL_CHARS) out[field] = label;
    else bad(key);
  }
  return out;
}

/** The wire keys of a model's identity (empty when it has none). */
export function identityJson(model: ModelIdentityFields): Record<string, unknown> {
  const json: Record<string, unknown> = {};
  if (model.digest !== undefined) json.digest = model.digest;
  if (model.sizeBytes !== undefined) json.size = model.sizeBytes;
  if (model.architecture !== undefined) json.arch = model.architecture.trim();
  if (model.quantisation !== undefined) json.quant = model.quantisation.trim();
  return json;
}

/** Throws on identity fields readIdentityFields would drop (the builder writes only readable ones). */
export function assertIdentityFields(model: ModelIdentityFields, name: string): void {
  if (model.digest !== undefined && !isModelDigest(model.digest))
    throw new TypeError(`model ${name}: digest must be "sha256:" and 64 lowercase hex digits`);
  if (model.sizeBytes !== undefined && !(Number.isSafeInteger(model.sizeBytes) && model.sizeBytes >= 0))
    throw new RangeError(`model ${name}: sizeBytes must be a non-negative integer`);
  for (const field of ["architecture", "quantisation"] as const) {
    const value = model[field];
    if (value !== undefined && (value.trim() === "" || value.trim().length > MAX_LABEL_CHARS))
      throw new TypeError(`model ${name}: ${field} must be 1 to ${MAX_LABEL_CHARS} characters`);
  }
}
