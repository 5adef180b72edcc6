/**
 * The node's NIP-89 announcement (kind 31990): published at start, refreshed on an interval with a fresh
 * heartbeat and the current load (buyers treat a silent provider as gone), and replaced by an `offline`
 * one on shutdown.
 */
import { type EventTemplate, type RelayPool, signEvent } from "@pylon/nostr";
import {
  type AnnouncementSpec,
  buildAnnouncement,
  type ModelOffer,
  type NostrEvent,
  type ProviderStatus,
  type TokenPrice,
} from "@pylon/protocol";
import type { Logger } from "./log.js";

export const NODE_VERSION = "pylon/0.1.0";

export interface AnnouncerOptions {
  pool: RelayPool;
  secretKey: Uint8Array;
  handlerId: string;
  name: string;
  about: string;
  model: ModelOffer;
  price: TokenPrice;
  slots: number;
  maxQueue: number;
  /** Most items one batched request may carry; below 2 the node announces no batch support. */
  maxBatch: number;
  /** Sends `partial` feedback to buyers who ask (announced as `"streaming": true`). */
  streaming?: boolean;
  /** Mints accepted for payment; empty while the node takes none. */
  mints: string[];
  /** The payment key Cashu proofs must be locked to. */
  p2pk?: string;
  intervalSec: number;
  load: () => { active: number; queued: number };
  log: Logger;
  /** Called on every refresh tick, after publishing (housekeeping piggybacks on it). */
  onTick?: () => void;
}

export class Announcer {
  readonly #o: AnnouncerOptions;
  #timer: NodeJS.Timeout | undefined;
  /** A sooner try after an announcement no relay took, and how many in a row failed. */
  #retry: NodeJS.Timeout | undefined;
  #misses = 0;
  #lastCreatedAt = 0;

  constructor(options: AnnouncerOptions) {
    this.#o = options;
  }

  /** Publishes the first announcement and starts refreshing it. Resolves whether or not a relay accepted it. */
  async start(): Promise<boolean> {
    this.#timer = setInterval(() => {
      void this.#online().finally(() => this.#o.onTick?.());
    }, this.#o.intervalSec * 1000);
    this.#timer.unref();
    return await this.#online();
  }

  /**
   * Publishes `online`; when no relay took it (a timeout, a relay restarting), tries again after 1, 2, 4… s
   * (at most half the interval) rather than leave buyers without it until the next refresh.
   */
  async #online(): Promise<boolean> {
    clearTimeout(this.#retry);
    this.#retry = undefined;
    const accepted = await this.publish("online");
    if (accepted) this.#misses = 0;
    else if (this.#timer !== undefined && this.#retry === undefined) {
      const delayMs = Math.min((this.#o.intervalSec * 1000) / 2, 1000 * 2 ** this.#misses++);
      this.#retry = setTimeout(() => void this.#online(), delayMs);
      this.#retry.unref();
    }
    return accepted;
  }

  /** Stops refreshing and publishes `offline`. */
  async stop(): Promise<boolean> {
    clearInterval(this.#timer);
    clearTimeout(this.#retry);
    this.#timer = undefined;
    this.#retry = undefined;
    return await this.publish("offline");
  }

  /** Builds and publishes one announcement; true when some relay accepted it. Never rejects. */
  async publish(status: ProviderStatus): Promise<boolean> {
    let event: NostrEvent;
    try {
      event = await this.#signed(status);
    } catch (error) {
      this.#o.log.warn(
        `announcement (${status}) not signed: ${error instanceof Error ? error.message : String(error)}`,
      );
      return false;
    }
    const results = await this.#o.pool.publish(event).catch(() => []);
    const accepted = results.some((result) => result.ok);
    if (!accepted) {
      const reasons = results.map((r) => `${r.relay}: ${r.reason ?? "rejected"}`).join("; ");
      this.#o.log.warn(`announcement (${status}) not accepted by any relay (${reasons || "no relays"})`);
    }
    return accepted;
  }

  build(status: ProviderStatus): NostrEvent {
    return signEvent(this.#template(status), this.#o.secretKey);
  }

  /** Through the pool when it holds the key: it mines the proof of work the relays ask for. */
  #signed(status: ProviderStatus): Promise<NostrEvent> {
    return this.#o.pool.pubkey
      ? this.#o.pool.sign(this.#template(status))
      : Promise.resolve(this.build(status));
  }

  #template(status: ProviderStatus): EventTemplate {
    const o = this.#o;
    // An addressable event replaces the previous one only with a later created_at: never reuse a second.
    const now = Math.max(Math.floor(Date.now() / 1000), this.#lastCreatedAt + 1);
    this.#lastCreatedAt = now;
    const spec: AnnouncementSpec = {
      now,
      handlerId: o.handlerId,
      name: o.name,
      about: o.about,
      version: NODE_VERSION,
      models: [o.model],
      price: o.price,
      capacity: {
        slots: o.slots,
        maxQueue: o.maxQueue,
        ...(o.maxBatch >= 2 ? { maxBatch: o.maxBatch } : {}),
      },
      load: status === "online" ? o.load() : { active: 0, queued: 0 },
      encryption: ["nip44", "nip04"],
      payment: {
        methods: o.mints.length > 0 ? ["cashu"] : [],
        mints: o.mints,
        ...(o.p2pk ? { p2pkPubkey: o.p2pk } : {}),
      },
      ...(o.streaming ? { streaming: true } : {}),
      status,
      // Three missed refreshes and relays may drop it; buyers judge liveness by the heartbeat anyway.
      ttlSec: o.intervalSec * 3 + 60,
    };
    return buildAnnouncement(spec);
  }
}
