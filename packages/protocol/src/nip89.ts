/**
 * NIP-89 provider announcements (kind 31990, addressable by `d`).
 *
 * Tags we write: `["d", handlerId]`, one `["k", "<kind>"]` per served kind, `["t", "pylon"]` (lets buyers
 * narrow discovery to our nodes), `["status", "online" | "offline"]`, and `["expiration", now + ttl]` so
 * relays drop an announcement nobody refreshes. Content: see nip89-content.ts.
 *
 * Liveness: a provider republishes (replacing the previous version) every few minutes with a fresh
 * `created_at`/`heartbeat` and its current `load`; it publishes `offline` on a clean shutdown. Buyers treat
 * an announcement as live only when online, unexpired and recently refreshed (`isProviderLive`).
 */
import { z } from "zod";
import { DEFAULT_MAX_EVENT_CHARS, type EventTemplate, readEnvelope } from "./event.js";
import { isJobRequestKind, Kind } from "./kinds.js";
import { assertIdentityFields } from "./model-identity.js";
import { expirationOf, expirationTag } from "./nip40.js";
import type { EncryptionScheme } from "./nip44.js";
import {
  type AnnouncementContent,
  type ModelOffer,
  type PaymentOptions,
  type ProviderCapacity,
  type ProviderLoad,
  readAnnouncementContent,
  writeAnnouncementContent,
} from "./nip89-content.js";
import { type ParseFailure, parseFailure } from "./parse-result.js";
import { assertTokenPrice, type TokenPrice } from "./price.js";
import { dTagSchema, expirationTagSchema, kTagSchema, type Tag, tagsNamed, tagValue } from "./tags.js";
import { assertTimestamp } from "./validate.js";

export const PYLON_TOPIC = "pylon";
export type ProviderStatus = "online" | "offline";

export interface AnnouncementSpec {
  now: number;
  /** The `d` tag; stable per provider so each refresh replaces the last. */
  handlerId: string;
  /** Served request kinds; [5050] unless told. */
  kinds?: number[];
  name: string;
  about?: string;
  picture?: string;
  version?: string;
  models: ModelOffer[];
  price?: TokenPrice;
  capacity?: ProviderCapacity;
  load?: ProviderLoad;
  /** Schemes we read; both unless told. */
  encryption?: EncryptionScheme[];
  payment?: PaymentOptions;
  /** Sends `partial` feedback to buyers who ask (docs/protocol.md "Streaming"). Off unless told. */
  streaming?: boolean;
  status?: ProviderStatus;
  /** Seconds until relays may drop it; refresh well before. No expiration unless told. */
  ttlSec?: number;
}

export const announcementTagSchema = z.union([
  dTagSchema,
  kTagSchema,
  z.tuple([z.literal("t"), z.literal(PYLON_TOPIC)]),
  z.tuple([z.literal("status"), z.enum(["online", "offline"])]),
  expirationTagSchema,
]);

export function buildAnnouncement(spec: AnnouncementSpec): EventTemplate {
  assertTimestamp(spec.now, "now");
  const kinds = spec.kinds ?? [Kind.TextGeneration];
  if (kinds.length === 0 || !kinds.every(isJobRequestKind))
    throw new RangeError("kinds must be job request kinds");
  if (spec.name.trim() === "") throw new TypeError("name is empty");
  for (const price of [spec.price, ...spec.models.map((model) => model.price)])
    if (price) assertTokenPrice(price);
  for (const model of spec.models) assertIdentityFields(model, model.name);
  if (spec.ttlSec !== undefined && (!Number.isSafeInteger(spec.ttlSec) || spec.ttlSec <= 0)) {
    throw new RangeError("ttlSec must be a positive integer");
  }
  const tags: Tag[] = [
    ["d", spec.handlerId],
    ...kinds.map((kind): Tag => ["k", String(kind)]),
    ["t", PYLON_TOPIC],
    ["status", spec.status ?? "online"],
  ];
  if (spec.ttlSec !== undefined) tags.push(expirationTag(spec.now + spec.ttlSec));
  const content: Omit<AnnouncementContent, "isPylon"> = {
    name: spec.name,
    about: spec.about ?? "",
    models: spec.models,
    encryption: spec.encryption ?? ["nip44", "nip04"],
    payment: spec.payment ?? { methods: [], mints: [] },
    heartbeat: spec.now,
  };
  if (spec.picture) content.picture = spec.picture;
  if (spec.version) content.version = spec.version;
  if (spec.price) content.price = spec.price;
  if (spec.capacity) content.capacity = spec.capacity;
  if (spec.load) content.load = spec.load;
  if (spec.streaming) content.streaming = true;
  return {
    kind: Kind.HandlerInformation,
    created_at: spec.now,
    tags,
    content: writeAnnouncementContent(content),
  };
}

export interface ProviderAnnouncement extends AnnouncementContent {
  id: string;
  /** The provider's Nostr pubkey (jobs are `p`-tagged and encrypted to it). */
  pubkey: string;
  createdAt: number;
  handlerId: string;
  kinds: number[];
  /** `offline` only when the provider said so; foreign announcements without a status read as online. */
  status: ProviderStatus;
  /** Freshness: the content's heartbeat, never later than the signed created_at. */
  heartbeat: number;
  expiration?: number;
  warnings: string[];
}

export type ParsedAnnouncement = { ok: true; announcement: ProviderAnnouncement } | ParseFailure;

/** Reads anyone's kind-31990 announcement. Only a broken envelope or another kind fails. */
export function parseAnnouncement(
  raw: unknown,
  options: { maxEventChars?: number } = {},
): ParsedAnnouncement {
  const envelope = readEnvelope(raw, options.maxEventChars ?? DEFAULT_MAX_EVENT_CHARS);
  if (!envelope.ok) return envelope;
  const { event, tags } = envelope.value;
  const warnings = [...envelope.value.notes];
  if (event.kind !== Kind.HandlerInformation) {
    return parseFailure("invalid", `kind ${event.kind} is not a handler announcement`);
  }
  const content = readAnnouncementContent(event.content, warnings);
  const kinds = [
    ...new Set(
      tagsNamed(tags, "k")
        .map((tag) => tag[1]?.trim() ?? "")
        .filter((k) => /^\d{1,5}$/.test(k))
        .map(Number),
    ),
  ];
  if (kinds.length === 0) warnings.push("announcement lists no kinds");
  const announcement: ProviderAnnouncement = {
    ...content,
    id: event.id,
    pubkey: event.pubkey,
    createdAt: event.created_at,
    handlerId: tagValue(tags, "d") ?? "",
    kinds,
    status: tagValue(tags, "status")?.trim().toLowerCase() === "offline" ? "offline" : "online",
    heartbeat: Math.min(content.heartbeat ?? event.created_at, event.created_at),
    warnings,
  };
  const expiration = expirationOf({ tags });
  if (expiration !== undefined) announcement.expiration = expiration;
  return { ok: true, announcement };
}

/** Default silence after which a provider is presumed gone (it should refresh every few minutes). */
export const DEFAULT_MAX_SILENCE_SEC = 600;

/** Online, unexpired, and refreshed within `maxSilenceSec` of `now`. */
export function isProviderLive(
  announcement: Pick<ProviderAnnouncement, "status" | "heartbeat" | "expiration">,
  now: number,
  maxSilenceSec = DEFAULT_MAX_SILENCE_SEC,
): boolean {
  if (announcement.status !== "online") return false;
  if (announcement.expiration !== undefined && now >= announcement.expiration) return false;
  return now - announcement.heartbeat <= maxSilenceSec;
}

/**
 * The price a provider asks for a model: the model's own, else its general price, else unknown.
 * It does not check that the model is offered at all.
 */
export function priceForModel(
  announcement: Pick<ProviderAnnouncement, "models" | "price">,
  model: string,
): TokenPrice | undefined {
  return announcement.models.find((offer) => offer.name === model)?.price ?? announcement.price;
}

/** Relay filter for announcements of providers serving `kind` (add `#t: ["pylon"]` for our nodes only). */
export function announcementFilter(kind: number = Kind.TextGeneration): { kinds: number[]; "#k": string[] } {
  return { kinds: [Kind.HandlerInformation], "#k": [String(kind)] };
}
