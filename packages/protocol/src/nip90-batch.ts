/**
 * Batched requests (a Pylon extension to NIP-90): one kind-5050 request carries many prompts for one
 * provider, and one result answers them all, so a market run signs, verifies and encrypts one event per
 * batch instead of one per prompt. See docs/protocol.md, "Batched requests".
 *
 * Request input: `["i", "<JSON array of items>", "pylon-batch"]`, the request's only input. An item on the
 * wire: `{"id":"0","prompt":"…","system":"…","max_tokens":64,"temperature":0.2,"seed":7}` (optional fields
 * left out).
 * Result content:
 * `{"items":[{"id":"0","output":"…","output_tokens":12,"msats":90},{"id":"1","error":"…","msats":0}]}`.
 */
import type { JobInput } from "./nip90-inputs.js";

export const BATCH_INPUT_TYPE = "pylon-batch";

/** Most items any batch may carry on the wire (a provider announces its own, lower, limit). */
export const MAX_BATCH_ITEMS = 1_000;
/** Longest item id, characters. */
export const MAX_BATCH_ITEM_ID_CHARS = 64;
/** Largest max_tokens an item may name (a provider lowers it to its own cap). */
const MAX_ITEM_TOKENS = 2 ** 31 - 1;
/** Largest item seed: backends take unsigned 32-bit seeds. */
const MAX_ITEM_SEED = 2 ** 32 - 1;

/** One prompt of a batch. `id` is unique within the batch (short strings like "0","1",…). */
export interface BatchItem {
  id: string;
  prompt: string;
  system?: string;
  maxTokens?: number;
  temperature?: number;
  /** Sampler seed for this item (unsigned 32-bit): with temperature 0 or a seed, answers are reproducible. */
  seed?: number;
}

/**
 * One item's outcome: `output` when it was generated, `error` (a reason) when it was not. msats = what this
 * item cost.
 */
export interface BatchItemResult {
  id: string;
  output?: string;
  error?: string;
  outputTokens?: number;
  msats?: number;
}

export type BatchItemsRead = { ok: true; items: BatchItem[] } | { ok: false; error: string };

/**
 * The request input carrying the items: ["i", JSON.stringify(items in wire form), "pylon-batch"]. Throws on
 * items readBatchItems would refuse.
 */
export function batchInput(items: readonly BatchItem[]): JobInput {
  const input: JobInput = { data: JSON.stringify(items.map(itemToWire)), type: BATCH_INPUT_TYPE };
  const checked = readBatchItems([input]);
  if (checked && !checked.ok) throw new TypeError(`bad batch: ${checked.error}`);
  return input;
}

/**
 * undefined when the inputs hold no batch input; else the validated items or a clear error (empty, too many
 * for `maxItems`, duplicate ids, bad fields, mixed with other inputs). Never throws.
 */
export function readBatchItems(
  inputs: readonly JobInput[],
  maxItems = MAX_BATCH_ITEMS,
): BatchItemsRead | undefined {
  const batches = inputs.filter((input) => input.type === BATCH_INPUT_TYPE);
  const batch = batches[0];
  if (!batch) return undefined;
  if (batches.length > 1) return refuse("a request carries at most one batch input");
  if (inputs.length > 1)
    return refuse("a batch input cannot be mixed with other inputs: put every prompt in an item");
  let json: unknown;
  try {
    json = JSON.parse(batch.data);
  } catch {
    return refuse("the batch input is not JSON");
  }
  if (!Array.isArray(json)) return refuse("the batch input must be a JSON array of items");
  if (json.length === 0) return refuse("the batch is empty");
  const limit = Math.min(maxItems, MAX_BATCH_ITEMS);
  if (json.length > limit)
    return refuse(`the batch has ${json.length} items, more than the ${limit} allowed`);
  const items: BatchItem[] = [];
  const ids = new Set<string>();
  for (const [index, raw] of json.entries()) {
    const item = itemFromWire(raw);
    if (typeof item === "string") return refuse(`item ${index}: ${item}`);
    if (ids.has(item.id)) return refuse(`item ${index}: duplicate id "${item.id}"`);
    ids.add(item.id);
    items.push(item);
  }
  return { ok: true, items };
}

/** The result content of a batch job: JSON {"items":[…]} (wire names snake_case: output_tokens). */
export function encodeBatchResults(results: readonly BatchItemResult[]): string {
  return JSON.stringify({
    items: results.map((result) => {
      const wire: Record<string, unknown> = { id: result.id };
      if (result.output !== undefined) wire.output = result.output;
      if (result.error !== undefined) wire.error = result.error;
      if (result.outputTokens !== undefined) wire.output_tokens = result.outputTokens;
      if (result.msats !== undefined) wire.msats = result.msats;
      return wire;
    }),
  });
}

/**
 * Lenient parse of a batch result content; undefined when it is not one. Entries without a string id are
 * dropped; malformed counts are left out; an entry with neither output nor error reads as an error.
 */
export function decodeBatchResults(content: string): BatchItemResult[] | undefined {
  let json: unknown;
  try {
    json = JSON.parse(content);
  } catch {
    return undefined;
  }
  const items = isRecord(json) ? json.items : undefined;
  if (!Array.isArray(items)) return undefined;
  const results: BatchItemResult[] = [];
  for (const raw of items) {
    if (!isRecord(raw) || typeof raw.id !== "string") continue;
    const result: BatchItemResult = { id: raw.id };
    if (typeof raw.output === "string") result.output = raw.output;
    if (typeof raw.error === "string") result.error = raw.error;
    if (result.output === undefined && result.error === undefined) result.error = "no output for this item";
    if (isCount(raw.output_tokens)) result.outputTokens = raw.output_tokens;
    if (isCount(raw.msats)) result.msats = raw.msats;
    results.push(result);
  }
  return results;
}

function itemToWire(item: BatchItem): Record<string, unknown> {
  const wire: Record<string, unknown> = { id: item.id, prompt: item.prompt };
  if (item.system !== undefined) wire.system = item.system;
  if (item.maxTokens !== undefined) wire.max_tokens = item.maxTokens;
  if (item.temperature !== undefined) wire.temperature = item.temperature;
  if (item.seed !== undefined) wire.seed = item.seed;
  return wire;
}

/** The item, or why it is not one. Unknown fields are ignored (room for later additions). */
function itemFromWire(raw: unknown): BatchItem | string {
  if (!isRecord(raw)) return "not a JSON object";
  const { id, prompt, system, max_tokens: maxTokens, temperature, seed } = raw;
  if (typeof id !== "string" || id.length === 0 || id.length > MAX_BATCH_ITEM_ID_CHARS)
    return `id must be a string of 1 to ${MAX_BATCH_ITEM_ID_CHARS} characters`;
  if (typeof prompt !== "string" || prompt.trim() === "") return "prompt must be a non-empty string";
  const item: BatchItem = { id, prompt };
  if (system !== undefined && system !== null) {
    if (typeof system !== "string") return "system must be a string";
    item.system = system;
  }
  if (maxTokens !== undefined && maxTokens !== null) {
    if (!Number.isInteger(maxTokens) || (maxTokens as number) < 1 || (maxTokens as number) > MAX_ITEM_TOKENS)
      return "max_tokens must be an integer of at least 1";
    item.maxTokens = maxTokens as number;
  }
  if (temperature !== undefined && temperature !== null) {
    if (typeof temperature !== "number" || !(temperature >= 0 && temperature <= 2))
      return "temperature must be a number from 0 to 2";
    item.temperature = temperature;
  }
  if (seed !== undefined && seed !== null) {
    if (!Number.isInteger(seed) || (seed as number) < 0 || (seed as number) > MAX_ITEM_SEED)
      return `seed must be an integer from 0 to ${MAX_ITEM_SEED}`;
    item.seed = seed as number;
  }
  return item;
}

function refuse(error: string): { ok: false; error: string } {
  return { ok: false, error };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): value is number {
  return Number.isSafeInteger(value) && (value as number) >= 0;
}
