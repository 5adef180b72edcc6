/**
 * The JSON `content` of our kind-31990 announcement, and a tolerant reader for anyone's. Keys on the wire
 * are snake_case like NIP-01 metadata; every field beyond `name`/`about` is our extension:
 *
 * ```json
 * {
 *   "name": "…", "about": "…", "picture": "https://…",
 *   "pylon": 1, "version": "pylon/0.1.0",
 *   "models": [{ "name": "qwen2.5-7b-instruct-q4", "context": 32768, "max_output": 4096,
 *                "price": { "unit": "msat", "input_per_1k": 50, "output_per_1k": 200, "min": 10 },
 *                "digest": "sha256:…", "size": 4683073952, "arch": "qwen2", "quant": "Q4_K_M" }],
 *   "price": { "unit": "msat", "input_per_1k": 100, "output_per_1k": 300, "min": 0 },
 *   "capacity": { "slots": 2, "queue": 16, "max_batch": 64 },
 *   "load": { "active": 1, "queued": 3 },
 *   "encryption": ["nip44", "nip04"],
 *   "payment": { "methods": ["cashu"], "mints": ["https://mint.example"], "p2pk": "02…" },
 *   "streaming": true,
 *   "heartbeat": 1760000000
 * }
 * ```
 *
 * A model's `digest`/`size`/`arch`/`quant` (extension): its identity (model-identity.ts).
 * `capacity.max_batch` (extension): the most items one batched request may carry here (docs/protocol.md,
 * "Batched requests"); absent when the provider takes no batches.
 * `streaming` (extension): the provider sends `partial` feedback to buyers who ask (docs/protocol.md,
 * "Streaming (partial feedback)"); absent or false: it does not.
 * `pylon` is the content schema version. A model's `price` overrides the top-level one. `unit` may be
 * `sat`, read as 1000 msat. Missing or malformed fields read as defaults with a warning, never as failure.
 */
import { z } from "zod";
import { identityJson, type ModelIdentityFields, readIdentityFields } from "./model-identity.js";
import type { EncryptionScheme } from "./nip44.js";
import type { TokenPrice } from "./price.js";

export const ANNOUNCEMENT_SCHEMA_VERSION = 1;

export interface ModelOffer extends ModelIdentityFields {
  name: string;
  /** Context window, tokens. */
  contextLength?: number;
  /** Most output tokens one job may ask for. */
  maxOutputTokens?: number;
  /** Overrides the provider-wide price for this model. */
  price?: TokenPrice;
}

export interface ProviderCapacity {
  /** Jobs run at once. */
  slots: number;
  /** Jobs accepted while all slots are busy. */
  maxQueue: number;
  /** Most items one batched request may carry (`max_batch`); absent: the provider takes no batches. */
  maxBatch?: number;
}

export interface ProviderLoad {
  active: number;
  queued: number;
}

export interface PaymentOptions {
  /** e.g. `cashu`, `bolt11`. Empty: unknown. */
  methods: string[];
  /** Cashu mints the provider accepts tokens from. */
  mints: string[];
  /** Compressed secp256k1 key (66 hex) that Cashu proofs must be P2PK-locked to. */
  p2pkPubkey?: string;
}

export interface AnnouncementContent {
  name: string;
  about: string;
  picture?: string;
  version?: string;
  /** True when the content declares our schema (`"pylon": <version>`). */
  isPylon: boolean;
  models: ModelOffer[];
  price?: TokenPrice;
  capacity?: ProviderCapacity;
  load?: ProviderLoad;
  /** Schemes the provider reads. Empty when it does not say: do not send it encrypted requests. */
  encryption: EncryptionScheme[];
  payment: PaymentOptions;
  /** Sends the answer as `partial` feedback to buyers who ask (`["param", "stream", "true"]`). */
  streaming?: boolean;
  /** When the provider last refreshed this, per its content (unix seconds). */
  heartbeat?: number;
}

const MAX_MODELS = 64;
const MAX_LIST = 16;
const count = z.union([
  z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  z
    .string()
    .regex(/^\d{1,15}$/)
    .transform(Number),
]);
const text = (max: number) => z.string().trim().min(1).max(max);

const priceSchema = z
  .object({
    unit: z.enum(["msat", "sat"]).default("msat"),
    input_per_1k: count,
    output_per_1k: count,
    min: count.optional(),
  })
  .transform((raw): TokenPrice => {
    const scale = raw.unit === "sat" ? 1000 : 1;
    const price: TokenPrice = {
      inputMsatsPer1k: raw.input_per_1k * scale,
      outputMsatsPer1k: raw.output_per_1k * scale,
    };
    if (raw.min !== undefined) price.minimumMsats = raw.min * scale;
    return price;
  })
  .refine(
    (price) =>
      [price.inputMsatsPer1k, price.outputMsatsPer1k, price.minimumMsats ?? 0].every(Number.isSafeInteger),
    "price too large",
  );

/** A model entry, with the raw entry kept: its identity fields are read one by one afterwards. */
const modelSchema = z.union([
  text(256).transform((name) => ({ model: { name } as ModelOffer, raw: {} })),
  z
    .object({
      name: text(256),
      context: count.optional(),
      max_output: count.optional(),
      price: priceSchema.optional(),
    })
    .passthrough()
    .transform((raw) => {
      const model: ModelOffer = { name: raw.name };
      if (raw.context !== undefined) model.contextLength = raw.context;
      if (raw.max_output !== undefined) model.maxOutputTokens = raw.max_output;
      if (raw.price !== undefined) model.price = raw.price;
      return { model, raw: raw as Record<string, unknown> };
    }),
]);

const capacitySchema = z
  .object({ slots: count, queue: count.default(0) })
  .transform((raw): ProviderCapacity => ({ slots: raw.slots, maxQueue: raw.queue }));
const loadSchema = z.object({ active: count, queued: count.default(0) });
const schemeSchema = z
  .string()
  .transform((s) => s.trim().toLowerCase())
  .pipe(z.enum(["nip44", "nip04"]));
const urlSchema = z
  .string()
  .trim()
  .regex(/^https?:\/\/\S+$/);
const p2pkSchema = z
  .string()
  .trim()
  .regex(/^0[23][0-9a-fA-F]{64}$/)
  .transform((s) => s.toLowerCase());

/** One field through its schema; a present but bad value becomes undefined plus a warning. */
function field<T>(
  source: Record<string, unknown>,
  key: string,
  schema: z.ZodType<T>,
  warnings: string[],
): T | undefined {
  if (source[key] === undefined || source[key] === null) return undefined;
  const parsed = schema.safeParse(source[key]);
  if (parsed.success) return parsed.data;
  warnings.push(`announcement ${key} unreadable, ignored`);
  return undefined;
}

/** Each element through its schema, dropping (and warning about) bad ones, keeping at most `max`. */
function list<T>(value: unknown, what: string, schema: z.ZodType<T>, max: number, warnings: string[]): T[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) {
    warnings.push(`announcement ${what} is not a list, ignored`);
    return [];
  }
  const items: T[] = [];
  for (const entry of value.slice(0, max)) {
    const parsed = schema.safeParse(entry);
    if (parsed.success) items.push(parsed.data);
    else warnings.push(`announcement ${what} entry unreadable, ignored`);
  }
  if (value.length > max) warnings.push(`only the first ${max} ${what} kept`);
  return items;
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** Reads anyone's announcement content: non-JSON or partial content yields defaults, never an error. */
export function readAnnouncementContent(content: string, warnings: string[]): AnnouncementContent {
  let json: unknown = {};
  if (content.trim() !== "") {
    try {
      json = JSON.parse(content);
    } catch {
      warnings.push("announcement content is not JSON");
    }
  }
  const source = asObject(json) ?? {};
  if (!asObject(json)) warnings.push("announcement content is not a JSON object");
  const payment = asObject(source.payment) ?? {};
  const out: AnnouncementContent = {
    name:
      field(source, "name", text(256), warnings) ?? field(source, "display_name", text(256), warnings) ?? "",
    about: field(source, "about", z.string().max(4096), warnings) ?? "",
    isPylon: source.pylon !== undefined,
    models: list(source.models, "models", modelSchema, MAX_MODELS, warnings).map(({ model, raw }) => ({
      ...model,
      ...readIdentityFields(raw, warnings),
    })),
    encryption: [...new Set(list(source.encryption, "encryption", schemeSchema, MAX_LIST, warnings))],
    payment: {
      methods: list(payment.methods, "payment methods", text(32).toLowerCase(), MAX_LIST, warnings),
      mints: list(payment.mints, "mints", urlSchema, MAX_LIST, warnings),
    },
  };
  const p2pk = field(payment, "p2pk", p2pkSchema, warnings);
  if (p2pk) out.payment.p2pkPubkey = p2pk;
  const picture =
    field(source, "picture", urlSchema, warnings) ?? field(source, "image", urlSchema, warnings);
  if (picture) out.picture = picture;
  const version = field(source, "version", text(64), warnings);
  if (version) out.version = version;
  const price = field(source, "price", priceSchema, warnings);
  if (price) out.price = price;
  const capacity = field(source, "capacity", capacitySchema, warnings);
  if (capacity) {
    // Read on its own, so a bad max_batch costs only itself (no batches), not the slots and queue.
    const maxBatch = field(asObject(source.capacity) ?? {}, "max_batch", count, warnings);
    if (maxBatch !== undefined && maxBatch >= 1) capacity.maxBatch = maxBatch;
    out.capacity = capacity;
  }
  const load = field(source, "load", loadSchema, warnings);
  if (load) out.load = load;
  if (field(source, "streaming", z.boolean(), warnings) === true) out.streaming = true;
  const heartbeat = field(source, "heartbeat", count, warnings);
  if (heartbeat !== undefined) out.heartbeat = heartbeat;
  return out;
}

function priceJson(price: TokenPrice): Record<string, unknown> {
  const json: Record<string, unknown> = {
    unit: "msat",
    input_per_1k: price.inputMsatsPer1k,
    output_per_1k: price.outputMsatsPer1k,
  };
  if (price.minimumMsats !== undefined) json.min = price.minimumMsats;
  return json;
}

/** Serialises our content (the inverse of readAnnouncementContent for our own fields). */
export function writeAnnouncementContent(content: Omit<AnnouncementContent, "isPylon">): string {
  const json: Record<string, unknown> = { name: content.name, about: content.about };
  if (content.picture) json.picture = content.picture;
  json.pylon = ANNOUNCEMENT_SCHEMA_VERSION;
  if (content.version) json.version = content.version;
  json.models = content.models.map((model) => {
    const entry: Record<string, unknown> = { name: model.name };
    if (model.contextLength !== undefined) entry.context = model.contextLength;
    if (model.maxOutputTokens !== undefined) entry.max_output = model.maxOutputTokens;
    if (model.price) entry.price = priceJson(model.price);
    return { ...entry, ...identityJson(model) };
  });
  if (content.price) json.price = priceJson(content.price);
  if (content.capacity) {
    const { slots, maxQueue, maxBatch } = content.capacity;
    json.capacity =
      maxBatch === undefined ? { slots, queue: maxQueue } : { slots, queue: maxQueue, max_batch: maxBatch };
  }
  if (content.load) json.load = { active: content.load.active, queued: content.load.queued };
  json.encryption = content.encryption;
  const payment: Record<string, unknown> = { methods: content.payment.methods, mints: content.payment.mints };
  if (content.payment.p2pkPubkey) payment.p2pk = content.payment.p2pkPubkey;
  json.payment = payment;
  if (content.streaming) json.streaming = true;
  if (content.heartbeat !== undefined) json.heartbeat = content.heartbeat;
  return JSON.stringify(json);
}
