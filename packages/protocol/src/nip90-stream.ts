/**
 * Streaming as NIP-90 `partial` feedback (a Pylon extension, docs/protocol.md "Streaming (partial feedback)").
 * A buyer opts in per request with `["param", "stream", "true"]`; a provider that announces `"streaming": true`
 * then sends the answer's new text as it is generated, in kind-7000 `partial` feedback numbered
 * `["seq", "<n>"]` from 0, so pieces that relays deliver out of order can be put back in order. The final
 * result is unchanged and authoritative. Partials that number output parts (`["part", …]`) are not pieces of
 * a stream; foreign partials without `seq` are taken in arrival order.
 */
import type { EventTemplate } from "./event.js";
import { buildJobFeedback } from "./nip90-feedback.js";
import { OUTPUT_PART_TAG } from "./nip90-parts.js";
import type { JobRef, ReplyEncryption } from "./nip90-reply.js";

/** The request param that asks for partials: `["param", "stream", "true"]`. */
export { STREAM_PARAM } from "./nip90-params.js";
/** The tag numbering a stream's pieces: `["seq", "<n>"]`, 0-based. */
export const STREAM_SEQ_TAG = "seq";
/** Highest sequence number we write or read (no job streams anywhere near this many pieces). */
export const MAX_STREAM_SEQ = 1_000_000;

export interface StreamPartialSpec {
  now: number;
  request: JobRef;
  /** 0 for the first piece, then 1, 2… */
  seq: number;
  /** The text generated since the previous piece; not empty. */
  text: string;
  /** Encrypt to the buyer, as every other reply to an encrypted request. */
  encryption?: ReplyEncryption;
  relayHint?: string;
}

/** Kind-7000 feedback `["status", "partial"]`, `e`, `p`, `["seq", n]`, content = the new text. */
export function buildStreamPartial(spec: StreamPartialSpec): EventTemplate {
  if (!Number.isSafeInteger(spec.seq) || spec.seq < 0 || spec.seq > MAX_STREAM_SEQ)
    throw new RangeError(`seq must be an integer in 0..${MAX_STREAM_SEQ}`);
  if (spec.text === "") throw new TypeError("a stream piece carries text");
  const template = buildJobFeedback({
    now: spec.now,
    request: spec.request,
    status: "partial",
    content: spec.text,
    ...(spec.encryption ? { encryption: spec.encryption } : {}),
    ...(spec.relayHint ? { relayHint: spec.relayHint } : {}),
  });
  template.tags.push([STREAM_SEQ_TAG, String(spec.seq)]);
  return template;
}

/** A stream piece's sequence number; undefined when it has none (or a malformed one): arrival order then. */
export function readStreamSeq(event: { tags: readonly string[][] }): number | undefined {
  const tag = event.tags.find((t) => Array.isArray(t) && t[0] === STREAM_SEQ_TAG);
  const text = tag?.[1]?.trim();
  if (text === undefined || !/^\d{1,7}$/.test(text)) return undefined;
  const seq = Number(text);
  return seq <= MAX_STREAM_SEQ ? seq : undefined;
}

/** Whether `partial` feedback is a piece of a stream rather than a numbered part of a large result. */
export function isStreamPiece(event: { tags: readonly string[][] }): boolean {
  return !event.tags.some((t) => Array.isArray(t) && t[0] === OUTPUT_PART_TAG);
}
