/**
 * Public configuration of the testnet mint and the figures it reports.
 */

/** Units this mint can issue. Fake Lightning prices them as 1 sat = 1000 msat; no fiat units (no fake rates). */
export const SUPPORTED_UNITS = ["sat", "msat"] as const;
export type MintUnit = (typeof SUPPORTED_UNITS)[number];

export interface MintOptions {
  /** Interface to listen on. Default "127.0.0.1". Anything but loopback needs `allowNonLoopback`. */
  host?: string;
  /** TCP port. Default 0 = a free port chosen by the OS. */
  port?: number;
  /** SQLite file path, or ":memory:" (the default). A file keeps seed, keysets, quotes and spent proofs. */
  db?: string;
  /** Units to issue, one active keyset each. Default ["sat"]. */
  units?: MintUnit[];
  /** NUT-02 input fee of the active keysets, in parts per thousand per input. Default 0. */
  inputFeePpk?: number;
  /**
   * Key seed (16–64 bytes). Default: the seed stored in the db, or a fresh random one stored there.
   * Given with a file db that already holds a different seed, start-up fails rather than silently re-keying.
   */
  seed?: Uint8Array;
  /** Listen on a non-loopback address. This mint has fake Lightning: anyone reaching it can mint for free. */
  allowNonLoopback?: boolean;
  /**
   * Fake Lightning marks mint quotes paid the moment they are created. false leaves them UNPAID until
   * `RunningMint.payMintQuote(id)`, for tests of the unpaid path. Default true.
   */
  autoPay?: boolean;
  /** Largest amount one mint or melt quote may carry, in the unit. Default 1,000,000,000. */
  maxQuoteAmount?: number;
  /** Lifetime of mint and melt quotes, in seconds. Default 3600. */
  quoteTtlSeconds?: number;
  /** Receives one line per notable happening (start, close, internal errors). Default: silent. */
  log?: (line: string) => void;
}

/** Accounting for one unit, straight from SQLite. All amounts are in that unit. */
export interface MintStats {
  unit: string;
  /** Ecash issued against paid mint quotes. */
  minted: number;
  /** Invoice amounts paid out by melts. */
  melted: number;
  /** What fake Lightning charged for those payments (fee reserve not returned as change). */
  lightningFees: number;
  /** NUT-02 input fees kept from swaps and melts. */
  inputFees: number;
  /** Total of every blind signature issued (mint, swap outputs, melt change). */
  signed: number;
  /** Total of every proof spent (swap and melt inputs). */
  redeemed: number;
  /** Ecash in circulation: signed − redeemed, which always equals minted − melted − lightningFees − inputFees. */
  outstanding: number;
  /** Number of spent proofs recorded. */
  spentProofs: number;
  /** Number of blind signatures issued (each a k·B_ and a DLEQ proof: the mint's curve-math cost). */
  blindSignatures: number;
  /**
   * HTTP requests this mint process has handled since it started, by operation, for every unit together
   * (in memory: a restart starts them at zero). What a market costs its mint, counted by round trip.
   */
  operations: MintOperations;
}

/** Requests by NUT endpoint since the mint started; `refused` counts those of them that were refused. */
export interface MintOperations {
  /** GET /v1/info (NUT-06). */
  info: number;
  /** GET /v1/keys and /v1/keys/{id} (NUT-01). */
  keys: number;
  /** GET /v1/keysets (NUT-02). */
  keysets: number;
  /** POST /v1/mint/quote/bolt11 and GET …/{id} (NUT-04). */
  mintQuote: number;
  /** POST /v1/mint/bolt11: ecash issued against a paid quote. */
  mint: number;
  /** POST /v1/melt/quote/bolt11 and GET …/{id} (NUT-05). */
  meltQuote: number;
  /** POST /v1/melt/bolt11. */
  melt: number;
  /** POST /v1/swap (NUT-03): deposits locked, tokens received, tabs redeemed. */
  swap: number;
  /** POST /v1/checkstate (NUT-07). */
  checkState: number;
  /** POST /v1/restore (NUT-09). */
  restore: number;
  /** Of the requests above, those answered with an error (a NUT refusal, a bad request, an internal error). */
  refused: number;
}

/** Every operation name, in the order stats report them. */
export const MINT_OPERATIONS = [
  "info",
  "keys",
  "keysets",
  "mintQuote",
  "mint",
  "meltQuote",
  "melt",
  "swap",
  "checkState",
  "restore",
] as const satisfies ReadonlyArray<keyof MintOperations>;

export const DEFAULTS = {
  host: "127.0.0.1",
  port: 0,
  db: ":memory:",
  units: ["sat"] as MintUnit[],
  inputFeePpk: 0,
  autoPay: true,
  maxQuoteAmount: 1_000_000_000,
  quoteTtlSeconds: 3600,
} as const;

/** Most inputs or outputs in one request; bounds the curve math one request can demand. */
export const MAX_BATCH = 1000;
/** Longest proof secret accepted, in characters (NUT-10 secrets with several keys stay well below this). */
export const MAX_SECRET_LENGTH = 2048;
/** Largest request body, in bytes. */
export const MAX_BODY_BYTES = 1_048_576;
