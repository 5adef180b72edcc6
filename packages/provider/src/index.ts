/**
 * @pylon/provider: the `pylon node` daemon as a library — announce, intake, pricing and the payment hook,
 * a persistent job queue on inference slots, feedback and results, restart recovery, graceful shutdown.
 */

export { NODE_VERSION } from "./announcer.js";
export {
  DEFAULT_LOCK_SEC,
  jobQuoteSats,
  lockedTokenFor,
  type PaymentTarget,
  submitPaidJob,
} from "./buyer/paid-job.js";
export { ENV_VARIABLES } from "./config/env.js";
export { ConfigError } from "./config/errors.js";
export {
  assertModelAvailable,
  type ConfigSources,
  isRemoteModel,
  loadProviderConfig,
  parseProviderConfig,
} from "./config/load.js";
export {
  type ModelSource,
  type ProviderConfig,
  type ProviderConfigInput,
  providerConfigSchema,
  type ScriptedModel,
} from "./config/schema.js";
export { IGNORE_EOS_PARAM } from "./jobs/generate-request.js";
export { type Logger, quietLogger } from "./log.js";
export {
  freePolicy,
  type PaymentDecision,
  type PaymentPolicy,
  type PriceQuote,
  paymentRequiredPolicy,
  quoteJob,
} from "./payment.js";
export { CashuPolicy, type CashuPolicyOptions } from "./payments/cashu-policy.js";
export { type Earnings, readEarnings, readNodeEarnings } from "./payments/earnings.js";
export { type NodePayments, SEED_FILE, startPayments, WALLET_FILE } from "./payments/setup.js";
export { type RefundDelivery, TAB_REFUND_STATUS, TabRefunder } from "./payments/tab-refunder.js";
export {
  type CloseResult,
  type TabBalance,
  TabBook,
  type TabRefund,
  type TabTotals,
} from "./payments/tabs.js";
export { type ProviderDeps, type RunningProvider, startProvider } from "./provider.js";
export { MAX_EVENT_BYTES } from "./replies/event-size.js";
export { ENCRYPTED_PART_BYTES, PLAINTEXT_PART_BYTES, splitOutput } from "./replies/output-parts.js";
export type { ProviderStatus } from "./stats.js";
export { type JobState, JobStore, type StoredJob } from "./store/job-store.js";
