/** Job results (request kind + 1000): build what we send, read what providers send us. */
import { z } from "zod";
import {
  DEFAULT_MAX_EVENT_CHARS,
  type EventTemplate,
  type NostrEvent,
  nostrEventSchema,
  readEnvelope,
} from "./event.js";
import { isJobResultKind, requestKindFor, resultKindFor } from "./kinds.js";
import { decryptContent, detectEncryptionScheme, type EncryptionScheme } from "./nip44.js";
import { inputTagSchema, type JobInput, readInputs } from "./nip90-inputs.js";
import {
  encryptForBuyer,
  jobRefTags,
  type ParseReplyOptions,
  type ReplyEncryption,
  readJobRef,
} from "./nip90-reply.js";
import { type ParseFailure, parseFailure } from "./parse-result.js";
import { amountTag, amountTagSchema, type PaymentAmount, readAmount, readTabBalance } from "./payment.js";
import {
  encryptedTagSchema,
  eTagSchema,
  hasTag,
  pTagSchema,
  pubkeysTagged,
  type Tag,
  tagsNamed,
} from "./tags.js";
import { assertTimestamp } from "./validate.js";

export interface JobResultSpec {
  now: number;
  /** The request being answered, as received and verified. */
  request: NostrEvent;
  /** The generated text. */
  output: string;
  /** What we ask to be paid, if anything is still owed. */
  amount?: PaymentAmount;
  relayHint?: string;
  /**
   * Required when the request was encrypted: the output is then encrypted to the buyer with the
   * request's scheme (unless `scheme` says otherwise) and no plaintext input is copied.
   */
  encryption?: ReplyEncryption;
  /**
   * Embed the stringified request (`request` tag), as NIP-90 asks. Turn off when the request is large:
   * relays cap event size (strfry: 64 KB) and the request would count twice.
   */
  includeRequest?: boolean;
}

export const jobResultTagSchema = z.union([
  z.tuple([z.literal("request"), z.string()]),
  eTagSchema,
  inputTagSchema,
  pTagSchema,
  amountTagSchema,
  encryptedTagSchema,
]);

/** Only the NIP-01 fields, so nothing attached to the object in memory leaks into the tag. */
function stringifyRequest(request: NostrEvent): string {
  const { id, pubkey, created_at, kind, tags, content, sig } = request;
  return JSON.stringify({ id, pubkey, created_at, kind, tags, content, sig });
}

/**
 * Tags: `request`?, `e`, `i`… (copied, plaintext requests only), `p`, `amount`?, `encrypted`?.
 * Throws when an encrypted request would get a plaintext answer.
 */
export function buildJobResult(spec: JobResultSpec): EventTemplate {
  assertTimestamp(spec.now, "now");
  const { request } = spec;
  const requestEncrypted = hasTag(request.tags, "encrypted");
  if (requestEncrypted && !spec.encryption) {
    throw new TypeError("the request was encrypted, so its result must be: pass encryption");
  }
  const { e, p } = jobRefTags(request, spec.relayHint);
  const tags: Tag[] = [];
  if (spec.includeRequest !== false) tags.push(["request", stringifyRequest(request)]);
  tags.push(e);
  if (!spec.encryption) tags.push(...tagsNamed(request.tags, "i"));
  tags.push(p);
  if (spec.amount) tags.push(amountTag(spec.amount));
  let content = spec.output;
  if (spec.encryption) {
    const scheme =
      spec.encryption.scheme ?? (requestEncrypted ? detectEncryptionScheme(request.content) : "nip44");
    content = encryptForBuyer(content, request, { ...spec.encryption, scheme });
    tags.push(["encrypted"]);
  }
  return { kind: resultKindFor(request.kind), created_at: spec.now, tags, content };
}

export interface JobResult {
  id: string;
  /** Who sent it (the provider). */
  provider: string;
  createdAt: number;
  kind: number;
  requestKind: number;
  jobId: string;
  relayHint?: string;
  buyer?: string;
  /** The output, decrypted when it was encrypted. */
  content: string;
  encryption?: EncryptionScheme;
  amount?: PaymentAmount;
  /** What is left on the buyer's tab at this provider after the job, msats (`["tab", …]`). */
  tabMsats?: number;
  /** The embedded request, when present and well-formed. Not verified: compare its id with `jobId`. */
  request?: NostrEvent;
  /** Inputs copied from the request (plaintext results only). */
  inputs: JobInput[];
  warnings: string[];
}

export type ParsedJobResult = { ok: true; result: JobResult } | ParseFailure;

/**
 * Reads a job result. An encrypted result we cannot decrypt is `undecryptable` (never returned as if the
 * ciphertext were the output). Never throws.
 */
export function parseJobResult(raw: unknown, options: ParseReplyOptions = {}): ParsedJobResult {
  const envelope = readEnvelope(raw, options.maxEventChars ?? DEFAULT_MAX_EVENT_CHARS);
  if (!envelope.ok) return envelope;
  const { event, tags } = envelope.value;
  const warnings = [...envelope.value.notes];
  if (!isJobResultKind(event.kind)) return parseFailure("invalid", `kind ${event.kind} is not a job result`);
  const ref = readJobRef(tags);
  if (!ref) return parseFailure("invalid", "result does not reference a job (e tag)");
  const amount = readAmount(tags);
  if (!amount.ok) return parseFailure("invalid", amount.reason);

  let content = event.content;
  let encryption: EncryptionScheme | undefined;
  if (hasTag(tags, "encrypted") && content !== "") {
    if (!options.secretKey) return parseFailure("undecryptable", "encrypted result, and no key to read it");
    const decrypted = decryptContent(content, options.secretKey, event.pubkey);
    if (!decrypted.ok) return parseFailure("undecryptable", decrypted.reason);
    content = decrypted.plaintext;
    encryption = decrypted.scheme;
  }

  const result: JobResult = {
    id: event.id,
    provider: event.pubkey,
    createdAt: event.created_at,
    kind: event.kind,
    requestKind: requestKindFor(event.kind),
    jobId: ref.jobId,
    content,
    inputs: readInputs(tagsNamed(tags, "i"), warnings),
    warnings,
  };
  if (ref.relayHint) result.relayHint = ref.relayHint;
  const buyer = pubkeysTagged(tags)[0];
  if (buyer) result.buyer = buyer;
  if (encryption) result.encryption = encryption;
  if (amount.amount) result.amount = amount.amount;
  const tab = readTabBalance(tags);
  if (tab !== undefined) result.tabMsats = tab;
  const request = readEmbeddedRequest(tags, ref.jobId, warnings);
  if (request) result.request = request;
  return { ok: true, result };
}

function readEmbeddedRequest(
  tags: readonly Tag[],
  jobId: string,
  warnings: string[],
): NostrEvent | undefined {
  const text = tags.find((tag) => tag[0] === "request")?.[1];
  if (text === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    warnings.push("request tag is not JSON");
    return undefined;
  }
  const checked = nostrEventSchema.safeParse(parsed);
  if (!checked.success) {
    warnings.push("request tag is not a well-formed event");
    return undefined;
  }
  if (checked.data.id !== jobId) warnings.push("request tag holds a different event than the e tag names");
  return checked.data;
}
