/**
 * A live directory of the market's providers: every NIP-89 announcement (kind 31990, k 5050) the relays
 * hold, kept current by a subscription. A provider's newest announcement wins; one that went offline,
 * expired or stopped refreshing its heartbeat is listed but not usable.
 *
 * The live set is kept, not recomputed per call: it changes on an accepted announcement, or when the
 * earliest heartbeat or expiration deadline among live providers passes (checked lazily against the clock,
 * so no timer is needed). `version` grows on every change, so selectors cache what they derive from it.
 */
import type { RelayPool, SubscriptionHandle } from "@pylon/nostr";
import {
  announcementFilter,
  DEFAULT_MAX_SILENCE_SEC,
  isProviderLive,
  type ProviderAnnouncement,
  parseAnnouncement,
} from "@pylon/protocol";

export interface DirectoryOptions {
  /** Only these provider pubkeys (hex), when given: operators pin who they trust. */
  allow?: readonly string[];
  /** Never these provider pubkeys (hex): spam and bad actors. */
  block?: readonly string[];
  /** Heartbeat age after which a provider counts as gone, seconds. Default 600 (NIP-89 liveness rule). */
  maxSilenceSec?: number;
  /** Called after every accepted announcement (new provider, refresh, or offline). */
  onChange?: (entry: ProviderEntry) => void;
  /** Clock in unix seconds (tests). */
  now?: () => number;
}

export interface ProviderEntry {
  pubkey: string;
  announcement: ProviderAnnouncement;
  /** Unix seconds when we last received an announcement from it. */
  receivedAt: number;
  /**
   * The relays its announcements came from (by the pool's URLs), where requests to it are sent; grows as
   * more are heard. Empty or absent (fed by `ingest` alone): every relay.
   */
  relays?: readonly string[];
}

export class ProviderDirectory {
  /** Relays each provider was heard on (see ProviderEntry.relays). */
  readonly #relays = new Map<string, string[]>();
  readonly #pool: RelayPool;
  readonly #options: DirectoryOptions;
  readonly #entries = new Map<string, ProviderEntry>();
  readonly #allow: Set<string> | undefined;
  readonly #block: Set<string>;
  #subscription: SubscriptionHandle | undefined;
  /** The live entries as of `#version`; undefined: to be recomputed. */
  #live: ProviderEntry[] | undefined;
  /** Unix seconds at which the first live provider stops being live (stale heartbeat or expiration). */
  #liveUntil = Number.POSITIVE_INFINITY;
  #version = 0;
  /** The live set last computed (kept after a change, to tell whether membership moved). */
  #lastLive: ProviderEntry[] = [];
  /** An announcement changed what a provider offers (models, prices, capacity, payment…). */
  #offerChanged = false;
  readonly #waiters = new Set<() => void>();

  constructor(pool: RelayPool, options: DirectoryOptions = {}) {
    this.#pool = pool;
    this.#options = options;
    this.#allow = options.allow && options.allow.length > 0 ? new Set(options.allow) : undefined;
    this.#block = new Set(options.block ?? []);
  }

  /**
   * Subscribes to new announcements and reads every stored one (paged: relays cap what one query returns,
   * often at 100); resolves once that read is done, however it ended.
   */
  start(options: { eoseTimeoutMs?: number } = {}): Promise<void> {
    if (this.#subscription) return Promise.resolve();
    const eoseTimeoutMs = options.eoseTimeoutMs ?? 5_000;
    // Live from a little before now (clocks differ); what is older comes from the paged read below.
    const since = Math.floor(Date.now() / 1000) - 60;
    this.#subscription = this.#pool.subscribe(
      { ...announcementFilter(), since },
      { label: "providers", eoseTimeoutMs, onevent: (event, relay) => this.ingest(event, relay) },
    );
    return this.#pool
      .queryAll(announcementFilter(), {
        label: "providers-stored",
        pageTimeoutMs: eoseTimeoutMs,
        onEvents: (relay, events) => {
          for (const event of events) this.#heard(event.pubkey, relay);
        },
      })
      .then(
        (events) => {
          // Oldest first, so each provider ends on its newest (ingest also keeps the newest).
          for (const event of events.reverse()) this.ingest(event);
        },
        () => {}, // no relay answered: the subscription still fills the directory as they come back
      );
  }

  stop(): void {
    this.#subscription?.close("directory stopped");
    this.#subscription = undefined;
  }

  /**
   * Reads one (verified) announcement event, heard on `relay` when given; ignores blocked, unlisted, older
   * or non-5050 ones (the relay is noted all the same: the provider is heard there).
   */
  ingest(event: unknown, relay?: string): void {
    const parsed = parseAnnouncement(event);
    if (!parsed.ok) return;
    const announcement = parsed.announcement;
    if (!announcement.kinds.includes(5050) || !this.#admitted(announcement.pubkey)) return;
    const relays =
      relay === undefined ? this.#relays.get(announcement.pubkey) : this.#heard(announcement.pubkey, relay);
    const known = this.#entries.get(announcement.pubkey);
    // Addressable events replace by created_at; a replayed older one must not resurrect a provider that went offline.
    if (known && known.announcement.createdAt > announcement.createdAt) return;
    const entry = {
      pubkey: announcement.pubkey,
      announcement,
      receivedAt: this.#now(),
      ...(relays ? { relays } : {}),
    };
    this.#entries.set(announcement.pubkey, entry);
    // A heartbeat that changes nothing a selector reads (thousands of providers refresh every 2 minutes)
    // leaves the version alone unless it changes who is live.
    if (!known || offerOf(known.announcement) !== offerOf(announcement)) this.#offerChanged = true;
    this.#changed();
    this.#options.onChange?.(entry);
  }

  /**
   * Grows whenever who is live, or what a live provider offers, changed (an announcement, or a heartbeat
   * or expiration deadline passed); a refresh that changes neither leaves it.
   */
  get version(): number {
    this.live(); // a passed deadline counts as a change
    return this.#version;
  }

  /** Every provider seen (blocked and unlisted ones excluded), usable or not. */
  all(): ProviderEntry[] {
    return [...this.#entries.values()];
  }

  get(pubkey: string): ProviderEntry | undefined {
    return this.#entries.get(pubkey);
  }

  /** Online, unexpired, recently heard from. */
  isLive(entry: ProviderEntry): boolean {
    return isProviderLive(
      entry.announcement,
      this.#now(),
      this.#options.maxSilenceSec ?? DEFAULT_MAX_SILENCE_SEC,
    );
  }

  /** The live providers (a shared array, rebuilt only on a change: do not modify it). */
  live(): readonly ProviderEntry[] {
    if (this.#live !== undefined && this.#now() < this.#liveUntil) return this.#live;
    const before = this.#live ?? this.#lastLive;
    const now = this.#now();
    const maxSilence = this.#options.maxSilenceSec ?? DEFAULT_MAX_SILENCE_SEC;
    const live: ProviderEntry[] = [];
    let until = Number.POSITIVE_INFINITY;
    for (const entry of this.#entries.values()) {
      if (!isProviderLive(entry.announcement, now, maxSilence)) continue;
      live.push(entry);
      const { heartbeat, expiration } = entry.announcement;
      until = Math.min(until, heartbeat + maxSilence + 1, expiration ?? Number.POSITIVE_INFINITY);
    }
    if (this.#offerChanged || !samePubkeys(before, live)) this.#version++;
    this.#offerChanged = false;
    this.#live = live;
    this.#lastLive = live;
    this.#liveUntil = until;
    return live;
  }

  /** Resolves once at least `count` live providers are known, or rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs = 10_000): Promise<ProviderEntry[]> {
    if (this.live().length >= count) return Promise.resolve([...this.live()]);
    // Woken by each accepted announcement (no polling scan); the timer only ends the wait.
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const live = this.live();
        if (live.length < count) return;
        done();
        resolve([...live]);
      };
      const done = (): void => {
        clearTimeout(timer);
        this.#waiters.delete(check);
      };
      const timer = setTimeout(() => {
        done();
        reject(
          new Error(`only ${this.live().length} of ${count} providers announced within ${timeoutMs} ms`),
        );
      }, timeoutMs);
      this.#waiters.add(check);
    });
  }

  #changed(): void {
    this.#live = undefined;
    for (const check of [...this.#waiters]) check();
  }

  /** Notes that `pubkey` is heard on `relay`; the list is shared with its entries, so they see it grow. */
  #heard(pubkey: string, relay: string): string[] {
    let relays = this.#relays.get(pubkey);
    if (!relays) {
      relays = [];
      this.#relays.set(pubkey, relays);
    }
    if (!relays.includes(relay)) relays.push(relay);
    return relays;
  }

  #admitted(pubkey: string): boolean {
    if (this.#block.has(pubkey)) return false;
    return this.#allow === undefined || this.#allow.has(pubkey);
  }

  #now(): number {
    return this.#options.now?.() ?? Math.floor(Date.now() / 1000);
  }
}

/** What a selector reads of an announcement: everything but its id, times, load and warnings. */
function offerOf(announcement: ProviderAnnouncement): string {
  const { id, createdAt, heartbeat, expiration, load, warnings, ...offer } = announcement;
  return JSON.stringify(offer);
}

function samePubkeys(a: readonly ProviderEntry[], b: readonly ProviderEntry[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i]?.pubkey !== b[i]?.pubkey) return false;
  return true;
}
