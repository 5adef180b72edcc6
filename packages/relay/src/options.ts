import { availableParallelism } from "node:os";

/**
 * Relay configuration: the public option types and the defaults they resolve to.
 * Defaults follow strfry's where it has one, so the local relay refuses what a public relay would refuse.
 */

/** Limits enforced per message, event, subscription and connection. Every refusal keeps the connection open. */
export interface RelayLimits {
  /** Largest WebSocket message accepted, in bytes; bigger ones get a NOTICE (and `OK false` when an id is visible). */
  maxMessageBytes: number;
  /** Largest event accepted, in bytes of its JSON serialization. */
  maxEventBytes: number;
  /** Most tags one event may carry. */
  maxEventTags: number;
  /** Most open subscriptions per connection. */
  maxSubscriptions: number;
  /** Most filters in one REQ. */
  maxFilters: number;
  /** Most values in one filter list (ids, authors, kinds, each `#x`). */
  maxFilterValues: number;
  /** A filter's `limit` is clamped to this. */
  maxLimit: number;
  /** `limit` used for a filter that sets none. */
  defaultLimit: number;
  /** How far in the future `created_at` may be, in seconds (clock skew allowance). */
  maxFutureSeconds: number;
  /** Longest subscription id, in characters. */
  maxSubIdLength: number;
  /** Sustained EVENT rate per connection (token bucket refill per second). */
  eventsPerSecond: number;
  /** EVENT burst per connection (token bucket size). */
  eventBurst: number;
  /** Sustained REQ rate per connection. */
  reqsPerSecond: number;
  /** REQ burst per connection. */
  reqBurst: number;
  /** NIP-42: how far an AUTH event's created_at may be from now, in seconds. */
  authWindowSeconds: number;
  /** Events waiting for verification and storage, relay-wide; beyond this EVENTs are refused as rate-limited. */
  maxQueuedEvents: number;
  /** A connection whose unsent output exceeds this many bytes is closed as a slow consumer. */
  maxBufferedBytes: number;
  /** NIP-13: leading zero bits an event id must have (and its nonce tag commit to). 0 = no proof of work. */
  minPowDifficulty: number;
}

export interface RelayOptions {
  /** Interface to listen on. Default "127.0.0.1". */
  host?: string;
  /** TCP port. Default 0 = a free port chosen by the OS. */
  port?: number;
  /** SQLite file path, or ":memory:" (the default). */
  db?: string;
  /** NIP-42: require AUTH before reading (REQ) and/or writing (EVENT). Default: neither. */
  auth?: { read?: boolean; write?: boolean };
  /**
   * Refuse EVENTs with "restricted: …": `true` from everyone, a list of hex pubkeys from everyone else.
   * Default: anyone may write (subject to `auth` and the limits).
   */
  restrictWrites?: true | readonly string[];
  /** Overrides of the default limits. */
  limits?: Partial<RelayLimits>;
  /** NIP-11 fields. */
  info?: { name?: string; description?: string; pubkey?: string; contact?: string };
  /** Signature verification backend. Default "wasm" (nostr-wasm); "js" uses nostr-tools/pure. */
  verifier?: "wasm" | "js";
  /**
   * Worker threads that verify event signatures, so verification runs beside parsing, storage and fan-out.
   * 0 verifies on the relay's own thread. Default: one per CPU (at most 4) when there are two or more CPUs,
   * else 0. Idle workers cost memory (~10 MB each), not CPU.
   */
  verifyThreads?: number;
  /** How often expired (NIP-40) events are purged from the store, in milliseconds. Default 60 s. */
  purgeIntervalMs?: number;
  /** Receives one line per notable happening (start, close, internal errors). Default: silent. */
  log?: (line: string) => void;
}

export const DEFAULT_LIMITS: Readonly<RelayLimits> = Object.freeze({
  maxMessageBytes: 131_072,
  maxEventBytes: 65_536,
  maxEventTags: 2_000,
  maxSubscriptions: 200,
  maxFilters: 20,
  maxFilterValues: 1_000,
  maxLimit: 5_000,
  defaultLimit: 500,
  maxFutureSeconds: 900,
  maxSubIdLength: 64,
  eventsPerSecond: 500,
  eventBurst: 1_000,
  reqsPerSecond: 50,
  reqBurst: 100,
  authWindowSeconds: 600,
  maxBufferedBytes: 16 * 1024 * 1024,
  maxQueuedEvents: 20_000,
  minPowDifficulty: 0,
});

export interface ResolvedOptions {
  host: string;
  port: number;
  db: string;
  authRead: boolean;
  authWrite: boolean;
  /** Authors allowed to write when writes are restricted (empty set: nobody); undefined: unrestricted. */
  writers?: ReadonlySet<string>;
  limits: RelayLimits;
  info: { name: string; description: string; pubkey?: string; contact?: string };
  verifier: "wasm" | "js";
  verifyThreads: number;
  purgeIntervalMs: number;
  log: (line: string) => void;
}

/** Fills defaults and rejects nonsense (negative limits, unknown verifier) before anything starts. */
export function resolveOptions(opts: RelayOptions = {}): ResolvedOptions {
  const limits: RelayLimits = { ...DEFAULT_LIMITS };
  for (const [key, value] of Object.entries(opts.limits ?? {})) {
    if (!(key in DEFAULT_LIMITS)) throw new Error(`unknown relay limit "${key}"`);
    if (value === undefined) continue;
    if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
      throw new Error(`relay limit "${key}" must be a non-negative number, got ${String(value)}`);
    }
    limits[key as keyof RelayLimits] = value;
  }
  if (limits.defaultLimit > limits.maxLimit) limits.defaultLimit = limits.maxLimit;
  if (!Number.isInteger(limits.minPowDifficulty) || limits.minPowDifficulty > 256) {
    throw new Error(
      `relay limit "minPowDifficulty" must be an integer from 0 to 256, got ${limits.minPowDifficulty}`,
    );
  }
  const restrict = opts.restrictWrites;
  if (restrict !== undefined && restrict !== true && !Array.isArray(restrict)) {
    throw new Error("restrictWrites must be true or a list of hex pubkeys");
  }
  for (const pubkey of Array.isArray(restrict) ? restrict : []) {
    if (!/^[0-9a-f]{64}$/.test(pubkey))
      throw new Error(`restrictWrites: "${pubkey}" is not a 64-character hex pubkey`);
  }

  const port = opts.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`invalid port ${String(port)}`);
  const verifier = opts.verifier ?? "wasm";
  if (verifier !== "wasm" && verifier !== "js") throw new Error(`unknown verifier "${String(verifier)}"`);
  const cpus = availableParallelism();
  const verifyThreads = opts.verifyThreads ?? (cpus > 1 ? Math.min(cpus, 4) : 0);
  if (!Number.isInteger(verifyThreads) || verifyThreads < 0 || verifyThreads > 64) {
    throw new Error(`verifyThreads must be an integer from 0 to 64, got ${String(verifyThreads)}`);
  }
  const purgeIntervalMs = opts.purgeIntervalMs ?? 60_000;
  if (!(purgeIntervalMs > 0)) throw new Error("purgeIntervalMs must be positive");
  if (opts.info?.pubkey !== undefined && !/^[0-9a-f]{64}$/.test(opts.info.pubkey)) {
    throw new Error("info.pubkey must be 64 lowercase hex characters");
  }

  return {
    host: opts.host ?? "127.0.0.1",
    port,
    db: opts.db ?? ":memory:",
    authRead: opts.auth?.read ?? false,
    authWrite: opts.auth?.write ?? false,
    ...(restrict === undefined ? {} : { writers: new Set(restrict === true ? [] : restrict) }),
    limits,
    info: {
      name: opts.info?.name ?? "pylon relay",
      description: opts.info?.description ?? "Local Nostr relay of the Pylon compute market",
      ...(opts.info?.pubkey !== undefined ? { pubkey: opts.info.pubkey } : {}),
      ...(opts.info?.contact !== undefined ? { contact: opts.info.contact } : {}),
    },
    verifier,
    verifyThreads,
    purgeIntervalMs,
    log: opts.log ?? (() => {}),
  };
}
