/** The soak's shapes: what the checks read (CheckInput) and what they give back (SoakReport). */
import type { SubcallResult } from "@pylon/rlm";
import type {
  JobRow,
  RefundCollection,
  SubcallRow,
  SwarmCounters,
  TabSummary,
  UnclaimedRefunds,
} from "@pylon/swarm";
import type { NextRunCollection, ReceiptMoney } from "./money.js";
import type { SoakOptions } from "./soak-core.js";

export interface ProviderReport {
  label: string;
  pubkey: string;
  /** Generations started: over every life of the node when `everyLife`, else in its last life only. */
  generated: number;
  everyLife: boolean;
  report: ProviderBooks;
}

/** A child process's resident memory (bytes) and CPU (µs, user + system). */
export interface ProcUsage {
  label: string;
  rss: number;
  cpuUs: number;
}

/** One reading of the market's other processes (the crowd's `usage()`). */
export interface SoakUsage {
  relays: ProcUsage[];
  packs: ProcUsage[];
  mint: ProcUsage;
}

/** Through the run: each relay's and the mint's peak RSS and CPU over every life; the packs' summed peak. */
export interface UsageSummary {
  samples: number;
  relays: ProcUsage[];
  packs: number;
  packsPeakRss: number;
  packsCpuUs: number;
  mint: ProcUsage;
}

/** What a provider child answers to `report` (provider-child.mjs). */
export interface ProviderBooks {
  error?: unknown;
  earnings?: {
    walletSats: number;
    heldSats: number;
    lostSats: number;
    creditedSats: number;
    feeSats: number;
  };
  tabs?: {
    depositedMsats: number;
    balanceMsats: number;
    reservedMsats: number;
    chargedMsats: number;
    refundedMsats: number;
  };
  jobs?: { paymentRequired: number; resumed: number };
  /** Sats neither spendable nor collected, by where (settle.ts sideSats; the crowd's packs report them). */
  side?: Record<string, number>;
}

export interface CheckInput {
  options: SoakOptions;
  results: Array<SubcallResult | undefined>;
  expectedAnswer: (i: number) => string;
  subcallRows: SubcallRow[];
  jobRows: JobRow[];
  counters: SwarmCounters;
  dispatchSec: number;
  capped: boolean;
  /** Provider identities killed (summed over waves), whole packs of them killed (the crowd), relay restarts. */
  faults: {
    providerKills: number;
    packKills?: number;
    relayRestarts: number;
    restartFailures: string[];
    /** Each killed unit's time down, SIGKILL to ready again, s. */
    downSec?: number[];
  };
  closeError: string | undefined;
  /** Tabs the run's own close closed; the buyer wallet's operations left open; the next run's refunds. */
  afterClose: {
    tabsClosed: number;
    openOperations: number;
    nextRun: NextRunCollection;
    /** When the next run's collection ended, unix seconds (what was published after it, it could not see). */
    collectedAt: number;
  };
  tabs: TabSummary[];
  lockedSats: number;
  refundedSats: number;
  depositSwaps: number;
  budgetSats: number;
  fundedSats: number;
  buyer: { unspent: number; reserved: number; pending: number };
  mint: { minted: number; inputFees: number; lightningFees: number; outstanding: number };
  providers: ProviderReport[];
  /** Bytes; `gc`: baseline and end were taken after a forced full GC. */
  rss: { baseline: number; peak: number; end: number; samples: number; gc: boolean; max?: number };
  /** The other processes' memory and CPU, where the market tells (the crowd). */
  usage?: UsageSummary;
  totalSec: number;
  /** The receipt's money (`pylon run`'s): spent measured on the wallet, the rest from the books. */
  receipt: ReceiptMoney;
  /** Refund ecash to the buyer still unclaimed on the relay after the run. */
  unclaimed: UnclaimedRefunds;
}

export interface SoakCheck {
  name: string;
  ok: boolean;
  detail: string;
}

/** The figures of the summary table (every one a number; the named ones are the tests' favourites). */
export interface SoakSummary {
  [figure: string]: number;
  subcalls: number;
  answered: number;
  failed: number;
  providerKills: number;
  relayRestarts: number;
}

export interface SoakReport {
  ok: boolean;
  checks: SoakCheck[];
  summary: SoakSummary;
  /** What went wrong without breaking a check (e.g. a tab that could not be closed). */
  notes: string[];
}
