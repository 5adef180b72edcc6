/**
 * Builders for kind-5050 job requests, plain and encrypted. They return unsigned templates; callers sign
 * with nostr-tools `finalizeEvent`.
 */
import { z } from "zod";
import type { EventTemplate } from "./event.js";
import { isJobRequestKind, Kind } from "./kinds.js";
import { expirationTag } from "./nip40.js";
import { type EncryptionScheme, encryptParams, type KeySource } from "./nip44.js";
import { BATCH_INPUT_TYPE } from "./nip90-batch.js";
import { type ChatTurn, inputTag, inputTagSchema, type JobInput, SYSTEM_MARKER } from "./nip90-inputs.js";
import { type GenerationParams, isReservedParamKey, paramTags, STREAM_PARAM } from "./nip90-params.js";
import { bidTag, bidTagSchema, cashuParamTag } from "./payment.js";
import { encryptedTagSchema, expirationTagSchema, pTagSchema, type Tag } from "./tags.js";
import { assertHex64, assertRelayUrl, assertTimestamp } from "./validate.js";

export const DEFAULT_OUTPUT_MIME = "text/plain";

export interface JobRequestSpec {
  /** created_at, unix seconds. */
  now: number;
  /** Request kind; 5050 (text generation) unless told. */
  kind?: number;
  /** Becomes `["i", prompt, "text"]`. */
  prompt?: string;
  /** Becomes `["i", text, "text", "", "system"]`. */
  systemPrompt?: string;
  /**
   * A conversation instead of `prompt` (Pylon extension): each message becomes
   * `["i", content, "text", "", role]` in order, so roles and turns survive. Not with `prompt` or a batch.
   */
  messages?: ChatTurn[];
  /**
   * Further inputs, after the system prompt and prompt. A batch (`[batchInput(items)]`, Pylon extension)
   * must be the only input: no prompt, no system prompt beside it.
   */
  inputs?: JobInput[];
  params?: GenerationParams;
  /** Free-form params for keys we do not interpret; reserved keys are refused. */
  extraParams?: Record<string, string>;
  /**
   * Ask for the answer as it is generated (`["param", "stream", "true"]`, Pylon extension): providers that
   * announce streaming send `partial` feedback pieces (nip90-stream.ts). Not with a batch.
   */
  stream?: boolean;
  /** Expected output MIME type; `text/plain` unless told. */
  output?: string;
  /** Most the buyer will pay, msats. */
  bidMsats?: number;
  /** Where the provider should publish its replies. */
  relays?: string[];
  /** Preferred provider (required for encrypted requests, which only it can read). */
  provider?: string;
  /** NIP-40 expiration, unix seconds; must be after `now`. */
  expiration?: number;
}

export interface EncryptedJobRequestSpec extends JobRequestSpec {
  provider: string;
  /** Reserved for the payments work: a Cashu token, sent only inside encrypted params. */
  cashuToken?: string;
}

/** Every tag a request we emit may carry (checked in tests against the builders). */
export const jobRequestTagSchema = z.union([
  inputTagSchema,
  z.tuple([z.literal("output"), z.string().min(1)]),
  z.tuple([z.literal("param"), z.string().min(1), z.string()]),
  bidTagSchema,
  z.tuple([z.literal("relays"), z.string()], z.string()),
  pTagSchema,
  encryptedTagSchema,
  expirationTagSchema,
]);

/** The `i` and `param` tags: the private part of a request (moved into `content` when encrypted). */
function inputAndParamTags(spec: JobRequestSpec): Tag[] {
  const inputs: JobInput[] = [];
  if (spec.systemPrompt !== undefined) {
    inputs.push({ data: spec.systemPrompt, type: "text", relay: "", marker: SYSTEM_MARKER });
  }
  if (spec.prompt !== undefined) inputs.push({ data: spec.prompt, type: "text" });
  if (spec.messages !== undefined) {
    if (spec.prompt !== undefined) throw new TypeError("a job request has a prompt or messages, not both");
    if (!spec.messages.some((message) => message.role === "user"))
      throw new TypeError("a conversation needs at least one user message");
    for (const { role, content } of spec.messages) {
      if (role !== "system" && role !== "user" && role !== "assistant")
        throw new TypeError(`message role must be system, user or assistant, got "${String(role)}"`);
      inputs.push({ data: content, type: "text", relay: "", marker: role });
    }
  }
  inputs.push(...(spec.inputs ?? []));
  if (!inputs.some((input) => input.marker !== SYSTEM_MARKER)) {
    throw new TypeError("a job request needs a prompt or at least one input");
  }
  if (inputs.length > 1 && inputs.some((input) => input.type === BATCH_INPUT_TYPE)) {
    throw new TypeError(
      "a batch input must be the request's only input (no prompt or other inputs beside it)",
    );
  }
  if (spec.stream && inputs.some((input) => input.type === BATCH_INPUT_TYPE))
    throw new TypeError("a batch is not streamed: leave out stream");
  const extras = Object.entries(spec.extraParams ?? {}).map(([key, value]): Tag => {
    if (isReservedParamKey(key)) throw new TypeError(`param "${key}" has a typed field; use params instead`);
    return ["param", key, value];
  });
  const stream: Tag[] = spec.stream ? [["param", STREAM_PARAM, "true"]] : [];
  return [...inputs.map(inputTag), ...paramTags(spec.params ?? {}), ...stream, ...extras];
}

function checkCommon(spec: JobRequestSpec): number {
  assertTimestamp(spec.now, "now");
  const kind = spec.kind ?? Kind.TextGeneration;
  if (!isJobRequestKind(kind)) throw new RangeError(`not a job request kind: ${kind}`);
  if (spec.provider !== undefined) assertHex64(spec.provider, "provider");
  for (const relay of spec.relays ?? []) assertRelayUrl(relay);
  if (spec.expiration !== undefined && spec.expiration <= spec.now) {
    throw new RangeError("expiration must be after now");
  }
  return kind;
}

function outputTag(spec: JobRequestSpec): Tag {
  const output = spec.output ?? DEFAULT_OUTPUT_MIME;
  if (output.trim() === "") throw new TypeError("output MIME type is empty");
  return ["output", output];
}

/** Tags that stay public either way: bid, relays, p, then (encrypted) marker, then expiration. */
function publicTags(spec: JobRequestSpec, encrypted: boolean): Tag[] {
  const tags: Tag[] = [];
  if (spec.bidMsats !== undefined) tags.push(bidTag(spec.bidMsats));
  if (spec.relays && spec.relays.length > 0) tags.push(["relays", ...spec.relays]);
  if (spec.provider !== undefined) tags.push(["p", spec.provider]);
  if (encrypted) tags.push(["encrypted"]);
  if (spec.expiration !== undefined) tags.push(expirationTag(spec.expiration));
  return tags;
}

/**
 * A plaintext job request: `i` tags, `output`, `param`s, `bid`, `relays`, `p`, `expiration` — in that
 * order. Throws on arguments the parser would refuse.
 */
export function buildJobRequest(spec: JobRequestSpec): EventTemplate {
  // Typed callers cannot pass one; this guards plain-JS callers from publishing a bearer token.
  if ((spec as { cashuToken?: unknown }).cashuToken !== undefined) {
    throw new TypeError("a cashu token may only travel in an encrypted request");
  }
  const kind = checkCommon(spec);
  const [inputs, params] = splitInputs(inputAndParamTags(spec));
  return {
    kind,
    created_at: spec.now,
    tags: [...inputs, outputTag(spec), ...params, ...publicTags(spec, false)],
    content: "",
  };
}

/**
 * An encrypted job request: the `i` and `param` tags (and the cashu token, if any) become a JSON array
 * encrypted to `provider` in `content`; public tags are `output`, `bid`, `relays`, `p`, `encrypted`,
 * `expiration`. NIP-44 unless `scheme` says nip04 (only for providers that cannot read NIP-44).
 */
export function buildEncryptedJobRequest(
  spec: EncryptedJobRequestSpec,
  sender: KeySource,
  scheme: EncryptionScheme = "nip44",
): EventTemplate {
  const kind = checkCommon(spec);
  assertHex64(spec.provider, "provider");
  const secret = inputAndParamTags(spec);
  if (spec.cashuToken !== undefined) secret.push(cashuParamTag(spec.cashuToken));
  return {
    kind,
    created_at: spec.now,
    tags: [outputTag(spec), ...publicTags(spec, true)],
    content: encryptParams(secret, sender, spec.provider, scheme),
  };
}

function splitInputs(tags: Tag[]): [Tag[], Tag[]] {
  return [tags.filter((tag) => tag[0] === "i"), tags.filter((tag) => tag[0] !== "i")];
}
