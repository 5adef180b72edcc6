/** Job cancellation as a NIP-09 deletion request (kind 5) of the job request. */
import { z } from "zod";
import { DEFAULT_MAX_EVENT_CHARS, type EventTemplate, readEnvelope } from "./event.js";
import { isJobRequestKind, Kind } from "./kinds.js";
import { type ParseFailure, parseFailure } from "./parse-result.js";
import { eTagSchema, isHex64, kTagSchema, type Tag, tagsNamed } from "./tags.js";
import { assertHex64, assertTimestamp } from "./validate.js";

export interface JobCancelSpec {
  now: number;
  /** The request to cancel; only its author's cancellation counts. */
  request: { id: string; kind: number };
  reason?: string;
}

export const jobCancelTagSchema = z.union([eTagSchema, kTagSchema]);

/** Kind 5 with `["e", jobId]` and `["k", "<request kind>"]`; content is the optional reason. */
export function buildJobCancel(spec: JobCancelSpec): EventTemplate {
  assertTimestamp(spec.now, "now");
  assertHex64(spec.request.id, "job id");
  if (!isJobRequestKind(spec.request.kind))
    throw new RangeError(`not a job request kind: ${spec.request.kind}`);
  return {
    kind: Kind.Deletion,
    created_at: spec.now,
    tags: [
      ["e", spec.request.id],
      ["k", String(spec.request.kind)],
    ],
    content: spec.reason ?? "",
  };
}

export interface JobCancel {
  id: string;
  /** Who asked; it only cancels requests this pubkey wrote. */
  author: string;
  createdAt: number;
  /** Every event id the deletion names. */
  eventIds: string[];
  /** Kinds it names via `k` tags (may be empty: `k` is optional in NIP-09). */
  kinds: number[];
  reason: string;
}

export type ParsedJobCancel = { ok: true; cancel: JobCancel } | ParseFailure;

/**
 * Reads a kind-5 deletion. `unsupported` when its `k` tags name no job request kind (a deletion of
 * something else); `invalid` when it names no event id. Never throws.
 */
export function parseJobCancel(raw: unknown, options: { maxEventChars?: number } = {}): ParsedJobCancel {
  const envelope = readEnvelope(raw, options.maxEventChars ?? DEFAULT_MAX_EVENT_CHARS);
  if (!envelope.ok) return envelope;
  const { event, tags } = envelope.value;
  if (event.kind !== Kind.Deletion) return parseFailure("invalid", `kind ${event.kind} is not a deletion`);
  const eventIds = [...new Set(idsIn(tagsNamed(tags, "e")))];
  if (eventIds.length === 0) return parseFailure("invalid", "deletion names no event (e tag)");
  const kinds = tagsNamed(tags, "k")
    .map((tag) => tag[1]?.trim() ?? "")
    .filter((text) => /^\d{1,5}$/.test(text))
    .map(Number);
  if (kinds.length > 0 && !kinds.some(isJobRequestKind)) {
    return parseFailure("unsupported", "deletion is not about job requests");
  }
  return {
    ok: true,
    cancel: {
      id: event.id,
      author: event.pubkey,
      createdAt: event.created_at,
      eventIds,
      kinds,
      reason: event.content,
    },
  };
}

function idsIn(tags: readonly Tag[]): string[] {
  return tags.map((tag) => tag[1]?.trim().toLowerCase()).filter(isHex64);
}

/** Whether a cancellation applies to a request: same author, and it names the request's id. */
export function cancelsJob(cancel: JobCancel, request: { id: string; pubkey: string }): boolean {
  return cancel.author === request.pubkey && cancel.eventIds.includes(request.id);
}
