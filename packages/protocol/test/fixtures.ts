import { type EventTemplate, finalizeEvent, getPublicKey, type NostrEvent } from "nostr-tools/pure";

/** Deterministic keys so failures are reproducible. */
function key(fill: number): Uint8Array {
  return new Uint8Array(32).fill(fill);
}

export const buyerSk = key(1);
export const buyerPk = getPublicKey(buyerSk);
export const providerSk = key(2);
export const providerPk = getPublicKey(providerSk);
export const otherSk = key(3);
export const otherPk = getPublicKey(otherSk);
export const fourthPk = getPublicKey(key(4));

export const NOW = 1_760_000_000;

/**
 * Signs and JSON-round-trips, as an event arrives off the wire (and without nostr-tools' cached
 * "verified" flag). Tags are `unknown` so fixtures can carry the junk real clients send.
 */
export function signed(
  template: { kind: number; created_at?: number; tags: unknown[]; content?: string },
  sk = buyerSk,
): NostrEvent {
  const event = finalizeEvent(
    {
      kind: template.kind,
      created_at: template.created_at ?? NOW,
      tags: template.tags as string[][],
      content: template.content ?? "",
    } satisfies EventTemplate,
    sk,
  );
  return JSON.parse(JSON.stringify(event)) as NostrEvent;
}

export function sign(template: EventTemplate, sk: Uint8Array): NostrEvent {
  return JSON.parse(JSON.stringify(finalizeEvent(template, sk))) as NostrEvent;
}

/**
 * A copy of a signed event with other tags. nostr-tools refuses to sign tags that are not string arrays,
 * yet such events still reach parsers (buggy clients, lax relays); the parser must survive them.
 */
export function withTags(event: NostrEvent, tags: unknown[]): NostrEvent {
  return { ...event, tags: tags as string[][] };
}
