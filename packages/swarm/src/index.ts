/**
 * @pylon/swarm: the buyer side of the market. Discovers providers (NIP-89), balances load over them, and
 * runs RLM sub-calls as NIP-90 jobs with timeouts, retries, hedging and resumable SQLite run state.
 */
export {
  type CashuTabOptions,
  type CashuTabStrategy,
  cashuTabStrategy,
  TabBudgetError,
  type TabDepositPolicy,
  type TabSummary,
  type TabWallet,
} from "./cashu-tab.js";
export { type DirectoryOptions, ProviderDirectory, type ProviderEntry } from "./directory.js";
export { HealthBook, type HealthOptions, type ProviderHealth } from "./health.js";
export type { AttemptFailure } from "./job-attempt.js";
export { promptOf } from "./job-spec.js";
export {
  freeStrategy,
  type PaymentBinding,
  type PaymentJob,
  type PaymentSettlement,
  type PaymentStrategy,
  type PreparedPayment,
} from "./payment.js";
export {
  type ListProvidersOptions,
  listProviders,
  type ProviderSummary,
  summarizeProvider,
} from "./provider-list.js";
export {
  type JobRow,
  type JobStatus,
  type MemoisedResult,
  RunStore,
  type SubcallRow,
  type SubcallStatus,
  type TabEventKind,
  type TabEventRow,
  type TabRow,
} from "./run-store.js";
export {
  capacityOf,
  createSelector,
  DEFAULT_CAPACITY,
  type JobNeeds,
  maxInFlight,
  quoteMsats,
  type Selector,
  serves,
} from "./selection.js";
export type { HedgePolicy } from "./slot-runner.js";
export { estimateInputTokens, subcallKey } from "./subcall-key.js";
export { createSwarm, type Swarm, type SwarmOptions } from "./swarm.js";
export type { SwarmCounters } from "./swarm-counters.js";
export {
  readTabRefund,
  receiveTabRefunds,
  type TabRefundOptions,
  type TabRefundReceipt,
  watchTabRefunds,
} from "./tab-refunds.js";
