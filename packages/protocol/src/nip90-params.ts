/**
 * Text-generation params (`["param", key, value]`) of kind 5050: the canonical keys we write, the foreign
 * spellings we read (`top-k`, `topP`, `max-tokens`, `max_new_tokens`…), and their valid ranges.
 */
import { readModelDigest } from "./model-identity.js";
import { type ParseFailure, parseFailure } from "./parse-result.js";
import { CASHU_PARAM } from "./payment.js";
import type { Tag } from "./tags.js";

export interface GenerationParams {
  model?: string;
  /**
   * `model_digest`: serve only with the model file of this sha256 ("sha256:" + 64 lowercase hex); a provider
   * serving other weights refuses the request (docs/protocol.md, "Model identity").
   */
  modelDigest?: string;
  maxTokens?: number;
  /** 0..2 */
  temperature?: number;
  /** ≥ 0; 0 disables top-k. */
  topK?: number;
  /** 0..1 */
  topP?: number;
  /** 0..1 */
  minP?: number;
  /** -2..2 */
  frequencyPenalty?: number;
  /** -2..2 */
  presencePenalty?: number;
  /** Non-negative integer; same seed and params give the same output on the same model. */
  seed?: number;
  /** Stop sequences; each is its own `["param", "stop", s]` tag. */
  stop?: string[];
}

type ScalarField = Exclude<keyof GenerationParams, "stop">;
type Reading = { value: number | string } | { error: string };

interface ScalarSpec {
  key: string;
  field: ScalarField;
  read(raw: string): Reading;
}

export const MAX_STOP_SEQUENCES = 16;
const MAX_STOP_LENGTH = 256;
const MAX_MODEL_NAME_LENGTH = 256;
/** No context we know of is this large; anything above is a typo or an attack. */
const MAX_TOKENS_CEILING = 10_000_000;

const NUMBER_PATTERN = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function readNumber(raw: string, min: number, max: number, integer: boolean): Reading {
  const text = raw.trim();
  if (!NUMBER_PATTERN.test(text)) return { error: `"${text.slice(0, 32)}" is not a number` };
  const value = Number(text);
  if (integer && !Number.isInteger(value)) return { error: `${text} is not an integer` };
  if (value < min || value > max) return { error: `${text} is outside ${min}..${max}` };
  return { value };
}

const SCALARS: readonly ScalarSpec[] = [
  {
    key: "model",
    field: "model",
    read: (raw) => {
      const name = raw.trim();
      if (name === "") return { error: "model name is empty" };
      if (name.length > MAX_MODEL_NAME_LENGTH) return { error: "model name is too long" };
      return { value: name };
    },
  },
  {
    key: "model_digest",
    field: "modelDigest",
    read: (raw) => {
      const digest = readModelDigest(raw);
      return digest
        ? { value: digest }
        : { error: `"${raw.trim().slice(0, 80)}" is not "sha256:" and 64 hex digits` };
    },
  },
  { key: "max_tokens", field: "maxTokens", read: (raw) => readNumber(raw, 1, MAX_TOKENS_CEILING, true) },
  { key: "temperature", field: "temperature", read: (raw) => readNumber(raw, 0, 2, false) },
  { key: "top_k", field: "topK", read: (raw) => readNumber(raw, 0, MAX_TOKENS_CEILING, true) },
  { key: "top_p", field: "topP", read: (raw) => readNumber(raw, 0, 1, false) },
  { key: "min_p", field: "minP", read: (raw) => readNumber(raw, 0, 1, false) },
  { key: "frequency_penalty", field: "frequencyPenalty", read: (raw) => readNumber(raw, -2, 2, false) },
  { key: "presence_penalty", field: "presencePenalty", read: (raw) => readNumber(raw, -2, 2, false) },
  { key: "seed", field: "seed", read: (raw) => readNumber(raw, 0, Number.MAX_SAFE_INTEGER, true) },
];

const SPEC_BY_KEY = new Map(SCALARS.map((spec) => [spec.key, spec]));

/** Keys with a meaning beyond generation settings, read by the request parser. */
export const PROMPT_PARAM = "prompt";
export const SYSTEM_PARAM = "system";
/** `["param", "stream", "true"]`: the buyer reads partial feedback (nip90-stream.ts). */
export const STREAM_PARAM = "stream";

/** Foreign spellings (after lower-casing and `-`/space → `_`) mapped to our canonical keys. */
const ALIASES: Readonly<Record<string, string>> = {
  maxtokens: "max_tokens",
  max_new_tokens: "max_tokens",
  num_predict: "max_tokens",
  max_output_tokens: "max_tokens",
  temp: "temperature",
  topk: "top_k",
  topp: "top_p",
  minp: "min_p",
  frequencypenalty: "frequency_penalty",
  presencepenalty: "presence_penalty",
  random_seed: "seed",
  modeldigest: "model_digest",
  stop_sequence: "stop",
  stop_sequences: "stop",
  stops: "stop",
  system_prompt: SYSTEM_PARAM,
  systemprompt: SYSTEM_PARAM,
  input: PROMPT_PARAM,
  text: PROMPT_PARAM,
  query: PROMPT_PARAM,
};

/** Canonical key for a param name as anyone spells it. */
export function canonicalParamKey(key: string): string {
  const normal = key
    .trim()
    .toLowerCase()
    .replace(/[-\s]+/g, "_");
  return ALIASES[normal] ?? normal;
}

export interface ReadParams {
  params: GenerationParams;
  /** Params we do not interpret, by canonical key (first value wins). */
  extra: Record<string, string>;
  prompt?: string;
  systemPrompt?: string;
  cashuToken?: string;
  /** The buyer asked for partials (`stream` param true, 1 or yes). */
  stream?: boolean;
  warnings: string[];
}

/**
 * Reads all `param` tags. The first occurrence of a single-valued key wins (later ones are warned about);
 * `stop` collects every value. An out-of-range or non-numeric value is `invalid`, naming the param.
 */
export function readParams(paramTags: readonly Tag[]): { ok: true; value: ReadParams } | ParseFailure {
  const out: ReadParams = { params: {}, extra: {}, warnings: [] };
  const seen = new Set<string>();
  const stop: string[] = [];
  for (const tag of paramTags) {
    const [, rawKey, ...values] = tag;
    if (rawKey === undefined || values.length === 0) {
      out.warnings.push(`param tag without ${rawKey === undefined ? "key" : "value"} ignored`);
      continue;
    }
    const key = canonicalParamKey(rawKey);
    if (key === "stop") {
      stop.push(...values.filter((value) => value !== ""));
      continue;
    }
    if (seen.has(key)) {
      out.warnings.push(`duplicate param "${rawKey}" ignored`);
      continue;
    }
    seen.add(key);
    const raw = values[0] ?? "";
    const spec = SPEC_BY_KEY.get(key);
    if (spec) {
      const reading = spec.read(raw);
      if ("error" in reading) return parseFailure("invalid", `param ${rawKey}: ${reading.error}`);
      (out.params as Record<string, number | string>)[spec.field] = reading.value;
    } else if (key === PROMPT_PARAM) {
      out.prompt = raw;
    } else if (key === SYSTEM_PARAM) {
      out.systemPrompt = raw;
    } else if (key === STREAM_PARAM) {
      if (["1", "true", "yes"].includes(raw.trim().toLowerCase())) out.stream = true;
    } else if (key === CASHU_PARAM) {
      out.cashuToken = raw.trim();
    } else {
      out.extra[key] = raw;
    }
  }
  if (stop.length > 0) {
    if (stop.length > MAX_STOP_SEQUENCES) {
      out.warnings.push(`only the first ${MAX_STOP_SEQUENCES} of ${stop.length} stop sequences kept`);
    }
    const kept = stop.slice(0, MAX_STOP_SEQUENCES);
    if (kept.some((s) => s.length > MAX_STOP_LENGTH)) {
      return parseFailure(
        "invalid",
        `param stop: a stop sequence is longer than ${MAX_STOP_LENGTH} characters`,
      );
    }
    out.params.stop = kept;
  }
  return { ok: true, value: out };
}

/** `param` tags for typed params, in a fixed order. Throws RangeError on a value the parser would refuse. */
export function paramTags(params: GenerationParams): Tag[] {
  const tags: Tag[] = [];
  for (const spec of SCALARS) {
    const value = params[spec.field];
    if (value === undefined) continue;
    const text = String(value);
    const reading = spec.read(text);
    if ("error" in reading || typeof value !== typeof reading.value) {
      throw new RangeError(`param ${spec.key}: ${"error" in reading ? reading.error : "wrong type"}`);
    }
    tags.push(["param", spec.key, typeof value === "string" ? String(reading.value) : text]);
  }
  const stop = params.stop ?? [];
  if (stop.length > MAX_STOP_SEQUENCES) throw new RangeError(`at most ${MAX_STOP_SEQUENCES} stop sequences`);
  for (const sequence of stop) {
    if (sequence === "" || sequence.length > MAX_STOP_LENGTH) {
      throw new RangeError(`stop sequences must be 1..${MAX_STOP_LENGTH} characters`);
    }
    tags.push(["param", "stop", sequence]);
  }
  return tags;
}

/** True for keys `readParams` interprets itself; callers may not pass them as free-form extras. */
export function isReservedParamKey(key: string): boolean {
  const canonical = canonicalParamKey(key);
  return (
    SPEC_BY_KEY.has(canonical) ||
    canonical === "stop" ||
    canonical === PROMPT_PARAM ||
    canonical === SYSTEM_PARAM ||
    canonical === STREAM_PARAM ||
    canonical === CASHU_PARAM
  );
}
