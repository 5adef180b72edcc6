import type { EventTemplate, NostrEvent } from "nostr-tools/core";
import { z } from "zod";
import { type ParseFailure, parseFailure } from "./parse-result.js";
import { hex64Schema, type SanitizedTags, sanitizeTags, type Tag, tagSchema } from "./tags.js";

export type { EventTemplate, NostrEvent };

const kindSchema = z.number().int().min(0).max(65535);
const timestampSchema = z.number().int().min(0);

/** An unsigned event as our builders return it; callers sign it with nostr-tools `finalizeEvent`. */
export const eventTemplateSchema = z.object({
  kind: kindSchema,
  created_at: timestampSchema,
  tags: z.array(tagSchema),
  content: z.string(),
});

/** A signed NIP-01 event, strictly shaped (it does not check the id hash or the signature). */
export const nostrEventSchema = eventTemplateSchema.extend({
  id: hex64Schema,
  pubkey: hex64Schema,
  sig: z.string().regex(/^[0-9a-f]{128}$/, "expected 128 lowercase hex characters"),
});

/** What parsers demand before looking at tags: everything typed except the tags themselves. */
const envelopeSchema = z.object({
  id: hex64Schema,
  pubkey: hex64Schema,
  kind: kindSchema,
  created_at: timestampSchema,
  content: z.string(),
  tags: z.array(z.unknown()),
  sig: z.string(),
});

/** Default ceiling on content plus tag text a parser will look at (characters). */
export const DEFAULT_MAX_EVENT_CHARS = 1_000_000;
/** Default ceiling on a job request's tag count (strfry's default `max_event_tags` is 2,000). */
export const DEFAULT_MAX_REQUEST_TAGS = 2_000;

export interface Envelope {
  /** The event as received; `tags` may still hold entries `tags` below dropped. */
  event: NostrEvent;
  /** Well-formed string tags. */
  tags: Tag[];
  notes: SanitizedTags["notes"];
}

/**
 * Checks the NIP-01 shape of an untrusted event and cleans its tags. Does not verify the id or signature:
 * callers verify (nostr-wasm is fast) before acting on anything read here.
 */
export function readEnvelope(
  raw: unknown,
  maxChars = DEFAULT_MAX_EVENT_CHARS,
  maxTags = Number.POSITIVE_INFINITY,
): { ok: true; value: Envelope } | ParseFailure {
  // Size first, from the raw fields, before any per-tag work: an oversize event costs no more than this.
  const cheap = raw as { content?: unknown; tags?: unknown } | null;
  if (Array.isArray(cheap?.tags) && cheap.tags.length > maxTags) {
    return parseFailure("too-large", `event too large: ${cheap.tags.length} tags (limit ${maxTags})`);
  }
  if (typeof cheap?.content === "string" && cheap.content.length > maxChars) {
    return parseFailure(
      "too-large",
      `event too large: ${cheap.content.length} characters of content (limit ${maxChars})`,
    );
  }
  const shape = envelopeSchema.safeParse(raw);
  if (!shape.success) {
    const issue = shape.error.issues[0];
    const where = issue?.path.join(".") || "event";
    return parseFailure("invalid", `malformed event: ${where}: ${issue?.message ?? "bad shape"}`);
  }
  const { tags, notes } = sanitizeTags(shape.data.tags);
  const size =
    shape.data.content.length + tags.reduce((sum, tag) => sum + tag.reduce((n, s) => n + s.length, 0), 0);
  if (size > maxChars) {
    return parseFailure("too-large", `event too large: ${size} characters (limit ${maxChars})`);
  }
  return { ok: true, value: { event: raw as NostrEvent, tags, notes } };
}
