/**
 * @pylon/swarm: the buyer side of the market. Discovers providers (NIP-89), balances load over them, and
 * runs RLM sub-calls as NIP-90 jobs with timeouts, retries, hedging, Cashu tabs and resumable SQLite run state.
 */

// The backend: an rlm SubcallBackend over the market, its options (hedging, batching) and what it counted.
export { batchCharsFor, createSwarm, type Swarm, type SwarmOptions } from "./swarm.js";
export type { RequestLimits } from "./job-attempt.js";
export type { HedgePolicy } from "./subcall-runner.js";
export type { BatchOptions } from "./batch-dispatch.js";
export type { SwarmCounters } from "./swarm-counters.js";
export type { Affinities } from "./affinities.js";

// Trust: spot checks, the reputation book's part in selection, providers caught (docs/swarm.md).
export type { CaughtProvider, TrustChecks, TrustOptions, TrustReport } from "./trust-types.js";
export {
  createSelector,
  type JobNeeds,
  NO_DIGEST_FACTOR,
  offeredDigest,
  PRICE_TOLERANCE,
  type Selector,
  type SelectionTrust,
  type SelectorOptions,
  SPREAD_TOLERANCE,
  selectionScore,
} from "./selection.js";

// Who may serve: the live provider directory and health book a swarm exposes, and `pylon providers`' listing.
export type { DirectoryOptions, ProviderDirectory, ProviderEntry } from "./directory.js";
export type { HealthBook, HealthOptions, ProviderHealth } from "./health.js";
export { type ListProvidersOptions, listProviders, type ProviderSummary } from "./provider-list.js";
export { type ProviderWatch, type WatchProvidersOptions, watchProviders } from "./provider-watch.js";

// Paying providers: the strategy interface, and free providers only.
export {
  freeStrategy,
  type PaymentBinding,
  type PaymentJob,
  type PaymentReadiness,
  type PaymentSettlement,
  type PaymentStrategy,
  type PreparedPayment,
} from "./payment.js";

// Cashu tabs: a deposit with each provider pays its jobs from the balance; close() settles the run.
export {
  type CashuTabOptions,
  type CashuTabStrategy,
  cashuTabStrategy,
  TabBudgetError,
  type TabDepositPolicy,
  type TabWallet,
} from "./cashu-tab.js";
export type { TabSummary } from "./tab-summaries.js";

// The parts of a PylonWallet a tab uses (TabWallet is both): lock deposits; close tabs, reclaim expired ones.
export type { DepositWallet } from "./deposit-batcher.js";
export type { CloseWallet } from "./tab-close.js";
export type { ReclaimWallet } from "./reclaim.js";

// Refunds a provider sends on its own when a tab expires with a balance.
export {
  readTabRefund,
  receiveTabRefunds,
  type TabRefundOptions,
  type TabRefundReceipt,
  watchTabRefunds,
} from "./tab-refunds.js";

// Every refund to the buyer on the relays (expiry refunds, closes given up on), taken in once each.
export {
  type CollectedRefund,
  type CollectRefundsOptions,
  collectRefunds,
  type RefundCollection,
  type RefundWallet,
} from "./refund-collector.js";
export type { RefundRow, RefundSource, RefundState, RefundStore } from "./refund-store.js";
export { type UnclaimedRefund, type UnclaimedRefunds, unclaimedRefunds } from "./unclaimed-refunds.js";

// A run's money as its receipt says it: spent (measured on the wallet) = charged + fees + reclaimable.
export { moneyAddsUp, type TabMoney, tabMoney, walletFeeSats } from "./run-money.js";

// Run state: the SQLite run store (sub-calls, jobs, memo) and a sub-call's memo key.
export {
  type JobRow,
  type MemoisedResult,
  RunStore,
  type SentJobState,
  type SubcallRow,
  type SubcallStatus,
} from "./run-store.js";
export { seedOf, subcallKey } from "./subcall-key.js";

// The run store's tabs (`RunStore.tabs`): a row per buyer, provider and mint, and the events that moved it.
export type { TabEvent, TabEventKind, TabEventRow, TabRow, TabStore } from "./tab-store.js";
