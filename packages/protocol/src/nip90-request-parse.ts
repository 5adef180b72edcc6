/**
 * Lenient parser for job requests from anyone. Public traffic is messy (prompts in params or content,
 * foreign param spellings, numbers in tags, several inputs), so this reads what it reasonably can, records
 * what it ignored in `warnings`, and refuses with a coded reason otherwise. It never throws.
 */
import { getPublicKey } from "nostr-tools/pure";
import { DEFAULT_MAX_EVENT_CHARS, DEFAULT_MAX_REQUEST_TAGS, type NostrEvent, readEnvelope } from "./event.js";
import { Kind } from "./kinds.js";
import { expirationOf, readTimestamp } from "./nip40.js";
import { ConversationKeyCache, decryptParams, type EncryptionScheme, type KeySource } from "./nip44.js";
import { type BatchItem, readBatchItems } from "./nip90-batch.js";
import { type ChatTurn, type JobInput, readInputs } from "./nip90-inputs.js";
import { type GenerationParams, readParams } from "./nip90-params.js";
import { DEFAULT_OUTPUT_MIME } from "./nip90-request.js";
import { assemblePrompts, batchPrompts, capItemTokens, conversationOf } from "./nip90-request-prompts.js";
import { type ParseFailure, parseFailure } from "./parse-result.js";
import { parseMsats } from "./payment.js";
import { hasTag, pubkeysTagged, type Tag, tagsNamed, tagValue } from "./tags.js";
import { isRelayUrl } from "./validate.js";

export interface JobRequest {
  /** Event id: the job id every reply refers to. */
  id: string;
  /** The buyer (event author). */
  buyer: string;
  kind: number;
  createdAt: number;
  /**
   * Text inputs (not marked `system`) joined by blank lines, else `param prompt`, else `content`. Empty for
   * a batch (the prompts are in `batch`).
   */
  prompt: string;
  /** Text inputs marked `system`, else `param system`. */
  systemPrompt?: string;
  /**
   * The conversation, when any text input is marked `user` or `assistant` (Pylon extension): the system
   * prompt first (if any), then every other text input in tag order as a turn (unmarked ones as `user`).
   * `prompt` still joins the turns' text, for pricing and for code that reads only `prompt`.
   */
  messages?: ChatTurn[];
  /** Every readable input, text ones included. */
  inputs: JobInput[];
  /**
   * The items of a batched request (Pylon extension, `["i", <JSON>, "pylon-batch"]`), validated, each
   * item's max_tokens lowered to `maxTokensCap`. Absent for a single-prompt request.
   */
  batch?: BatchItem[];
  params: GenerationParams;
  /** Params we do not interpret, by canonical key. */
  extraParams: Record<string, string>;
  output: string;
  bidMsats?: number;
  /** Relays the buyer wants replies on (ws/wss URLs only). */
  relays: string[];
  /** Providers the request is `p`-tagged to (empty: open to all). */
  providers: string[];
  expiration?: number;
  /** Set when params arrived encrypted; replies must be encrypted with the same scheme. */
  encryption?: EncryptionScheme;
  /**
   * The buyer asked for the answer as it is generated (`["param", "stream", "true"]`, docs/protocol.md
   * "Streaming"). Never set for a batch.
   */
  stream?: boolean;
  /** Reserved for the payments work (`["param","cashu",token]`). */
  cashuToken?: string;
  /** What was ignored or repaired while reading. */
  warnings: string[];
  /** The event as received (use it for the result's `request` tag). */
  event: NostrEvent;
}

export type ParsedJobRequest = { ok: true; job: JobRequest } | ParseFailure;

export interface ParseJobRequestOptions {
  /** Current time, unix seconds. */
  now: number;
  /**
   * Our provider pubkey. With it, requests `p`-tagged only to others are `not-for-us`. Derived from
   * `secretKey` for encrypted requests when not given.
   */
  ourPubkey?: string;
  /** Our key, to read encrypted requests. A ConversationKeyCache also supplies `ourPubkey`. */
  secretKey?: KeySource;
  /** Request kinds we serve; [5050] unless told. */
  kinds?: readonly number[];
  /** Clamp `max_tokens` to this (with a warning). */
  maxTokensCap?: number;
  /** Refuse requests older than this many seconds as `expired` (replays after a restart). */
  maxAgeSec?: number;
  /** Refuse requests dated further ahead than this; 900 s (strfry's limit) unless told. */
  maxFutureSkewSec?: number;
  /** Size ceiling on content plus tags, in characters. */
  maxEventChars?: number;
  /** Ceiling on the number of tags; more are `too-large`. Default DEFAULT_MAX_REQUEST_TAGS. */
  maxEventTags?: number;
  /** Also take requests `p`-tagged to other providers (NIP-90 allows it). Off unless told. */
  acceptTaggedToOthers?: boolean;
}

const DEFAULT_FUTURE_SKEW_SEC = 900;
const MAX_RELAYS = 16;
/** Tags an encrypted payload may carry; everything else in it is ignored. */
const PRIVATE_TAG_NAMES = new Set(["i", "param", "output", "bid", "relays"]);

export function parseJobRequest(raw: unknown, options: ParseJobRequestOptions): ParsedJobRequest {
  const envelope = readEnvelope(
    raw,
    options.maxEventChars ?? DEFAULT_MAX_EVENT_CHARS,
    options.maxEventTags ?? DEFAULT_MAX_REQUEST_TAGS,
  );
  if (!envelope.ok) return envelope;
  const { event, notes } = envelope.value;
  let tags = envelope.value.tags;
  const warnings = [...notes];

  const kinds = options.kinds ?? [Kind.TextGeneration];
  if (!kinds.includes(event.kind))
    return parseFailure("unsupported", `kind ${event.kind} is not served here`);

  const timing = checkTiming(event.created_at, tags, options, warnings);
  if (timing) return timing;

  const providers = pubkeysTagged(tags);
  const encrypted = hasTag(tags, "encrypted");
  // An encrypted request is readable only by its p-tagged provider, so it is worth learning our pubkey
  // from the key (one scalar multiplication) rather than attempting a decryption doomed to fail.
  const ourPubkey = options.ourPubkey ?? (encrypted ? pubkeyOf(options.secretKey) : undefined);
  const addressedElsewhere =
    ourPubkey !== undefined && providers.length > 0 && !providers.includes(ourPubkey);
  if (addressedElsewhere && (encrypted || !options.acceptTaggedToOthers)) {
    return parseFailure("not-for-us", "request is addressed to other providers");
  }

  let encryption: EncryptionScheme | undefined;
  if (encrypted) {
    if (providers.length === 0) return parseFailure("invalid", "encrypted request names no provider (p tag)");
    const merged = withDecryptedTags(event, tags, options.secretKey, warnings);
    if (!merged.ok) return merged;
    tags = merged.tags;
    encryption = merged.scheme;
  }

  const read = readParams(tagsNamed(tags, "param"));
  if (!read.ok) return read;
  const { params, extra, cashuToken } = read.value;
  warnings.push(...read.value.warnings);
  if (cashuToken !== undefined && !encryption) warnings.push("cashu token sent in public tags");
  if (
    options.maxTokensCap !== undefined &&
    params.maxTokens !== undefined &&
    params.maxTokens > options.maxTokensCap
  ) {
    warnings.push(`max_tokens ${params.maxTokens} lowered to ${options.maxTokensCap}`);
    params.maxTokens = options.maxTokensCap;
  }

  const inputs = readInputs(tagsNamed(tags, "i"), warnings);
  const batch = readBatchItems(inputs);
  if (batch && !batch.ok) return parseFailure("invalid", `bad batch: ${batch.error}`);
  const prompts = batch
    ? batchPrompts(read.value.prompt, read.value.systemPrompt)
    : assemblePrompts(inputs, read.value.prompt, read.value.systemPrompt, encryption ? "" : event.content);
  if (!prompts.ok) return prompts;
  warnings.push(...prompts.warnings);
  if (batch) capItemTokens(batch.items, options.maxTokensCap, warnings);

  const output = (tagValue(tags, "output") ?? DEFAULT_OUTPUT_MIME).trim().toLowerCase();
  if (!isTextOutput(output))
    return parseFailure("unsupported", `output "${output.slice(0, 64)}" is not text`);

  const bidText = tagValue(tags, "bid");
  const bidMsats = parseMsats(bidText);
  if (bidText !== undefined && bidMsats === undefined) {
    return parseFailure("invalid", `bid "${bidText.slice(0, 32)}" is not an amount in msats`);
  }

  const job: JobRequest = {
    id: event.id,
    buyer: event.pubkey,
    kind: event.kind,
    createdAt: event.created_at,
    prompt: prompts.prompt,
    inputs,
    params,
    extraParams: extra,
    output,
    relays: readRelays(tags, warnings),
    providers,
    warnings,
    event,
  };
  if (prompts.systemPrompt !== undefined) job.systemPrompt = prompts.systemPrompt;
  if (!batch) {
    const messages = conversationOf(inputs, prompts.systemPrompt);
    if (messages) job.messages = messages;
  }
  if (batch) job.batch = batch.items;
  if (bidMsats !== undefined) job.bidMsats = bidMsats;
  const expiration = requestExpiration(tags);
  if (expiration !== undefined) job.expiration = expiration;
  if (encryption) job.encryption = encryption;
  if (cashuToken) job.cashuToken = cashuToken;
  if (read.value.stream) {
    if (batch) warnings.push("param stream ignored: a batch is not streamed");
    else job.stream = true;
  }
  return { ok: true, job };
}

/** Public tags followed by the private ones, so for single-valued tags (output, bid) the public value wins. */
function withDecryptedTags(
  event: { content: string; pubkey: string },
  publicTags: Tag[],
  secretKey: KeySource | undefined,
  warnings: string[],
): { ok: true; tags: Tag[]; scheme: EncryptionScheme } | ParseFailure {
  if (!secretKey) return parseFailure("undecryptable", "encrypted request, and no key to read it");
  const decrypted = decryptParams(event, secretKey);
  if (!decrypted.ok) return decrypted;
  warnings.push(...decrypted.notes);
  const allowed = decrypted.tags.filter((tag) => PRIVATE_TAG_NAMES.has(tag[0] ?? ""));
  if (allowed.length < decrypted.tags.length) {
    warnings.push("encrypted tags other than i/param/output/bid/relays ignored");
  }
  return { ok: true, tags: [...publicTags, ...allowed], scheme: decrypted.scheme };
}

function pubkeyOf(key: KeySource | undefined): string | undefined {
  if (key instanceof ConversationKeyCache) return key.pubkey;
  if (key instanceof Uint8Array && key.length === 32) {
    try {
      return getPublicKey(key);
    } catch {
      return undefined; // not a valid scalar; decryption will report it
    }
  }
  return undefined;
}

/** NIP-40 `expiration`, or the `exp` tag of NIP-90's early drafts that some clients still send. */
function requestExpiration(tags: readonly Tag[]): number | undefined {
  return expirationOf({ tags }) ?? readTimestamp(tagValue(tags, "exp"));
}

function checkTiming(
  createdAt: number,
  tags: readonly Tag[],
  options: ParseJobRequestOptions,
  warnings: string[],
): ParseFailure | undefined {
  const expiration = requestExpiration(tags);
  if (expiration === undefined && (tagValue(tags, "expiration") ?? tagValue(tags, "exp")) !== undefined) {
    warnings.push("unreadable expiration ignored");
  }
  if (expiration !== undefined && options.now >= expiration)
    return parseFailure("expired", "request has expired");
  if (options.maxAgeSec !== undefined && options.now - createdAt > options.maxAgeSec) {
    return parseFailure("expired", `request is older than ${options.maxAgeSec} s`);
  }
  const skew = options.maxFutureSkewSec ?? DEFAULT_FUTURE_SKEW_SEC;
  if (createdAt - options.now > skew) {
    return parseFailure("invalid", `created_at is ${createdAt - options.now} s in the future`);
  }
  return undefined;
}

function isTextOutput(mime: string): boolean {
  return mime === "text" || mime.startsWith("text/") || mime === "application/json";
}

function readRelays(tags: readonly Tag[], warnings: string[]): string[] {
  const urls = tagsNamed(tags, "relays").flatMap((tag) => tag.slice(1).map((url) => url.trim()));
  const valid = [...new Set(urls.filter(isRelayUrl))];
  if (urls.some((url) => !isRelayUrl(url))) warnings.push("relay entries that are not ws(s) URLs ignored");
  if (valid.length > MAX_RELAYS) warnings.push(`only the first ${MAX_RELAYS} relays kept`);
  return valid.slice(0, MAX_RELAYS);
}
