/**
 * @pylon/swarm: the buyer side of the market. Discovers providers (NIP-89), balances load over them, and
 * runs RLM sub-calls as NIP-90 jobs with timeouts, retries, hedging, Cashu tabs and resumable SQLite run state.
 */

// Types the signatures above refer to.
export type { BatchOptions } from "./batch-dispatch.js";
// Paying providers: the strategy interface, free providers only, and Cashu tabs.
export {
  type CashuTabOptions,
  type CashuTabStrategy,
  cashuTabStrategy,
  TabBudgetError,
  type TabDepositPolicy,
  type TabWallet,
} from "./cashu-tab.js";
export type { DepositWallet } from "./deposit-batcher.js";
// Who may serve: the live provider directory and health book a swarm exposes, and `pylon providers`' listing.
export type { DirectoryOptions, ProviderDirectory, ProviderEntry } from "./directory.js";
export type { HealthBook, HealthOptions, ProviderHealth } from "./health.js";
export {
  freeStrategy,
  type PaymentBinding,
  type PaymentJob,
  type PaymentSettlement,
  type PaymentStrategy,
  type PreparedPayment,
} from "./payment.js";
export { type ListProvidersOptions, listProviders, type ProviderSummary } from "./provider-list.js";
// Types the signatures above refer to.
export type { ReclaimWallet } from "./reclaim.js";
// Run state: the SQLite run store (sub-calls, jobs, memo, tabs) and a sub-call's memo key.
export {
  type JobRow,
  type MemoisedResult,
  RunStore,
  type SentJobState,
  type SubcallRow,
  type SubcallStatus,
} from "./run-store.js";
export { subcallKey } from "./subcall-key.js";
// The backend: an rlm SubcallBackend over the market, its options and what it counted.
export type { HedgePolicy } from "./subcall-runner.js";
export { createSwarm, type Swarm, type SwarmOptions } from "./swarm.js";
export type { SwarmCounters } from "./swarm-counters.js";
export type { CloseWallet } from "./tab-close.js";
// Refunds a provider sends on its own when a tab expires with a balance.
export {
  readTabRefund,
  receiveTabRefunds,
  type TabRefundOptions,
  type TabRefundReceipt,
  watchTabRefunds,
} from "./tab-refunds.js";
export type { TabEvent, TabEventKind, TabEventRow, TabRow, TabStore } from "./tab-store.js";
export type { TabSummary } from "./tab-summaries.js";
