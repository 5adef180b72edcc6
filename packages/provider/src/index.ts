/**
 * @pylon/provider: the `pylon node` daemon as a library — announce, intake, pricing and the payment hook,
 * a persistent job queue on inference slots, feedback and results, restart recovery, graceful shutdown.
 */

// Start and stop a node.
export { type ProviderDeps, type RunningProvider, startProvider } from "./provider.js";

// Its configuration: a file, PYLON_* variables and overrides, checked before anything starts.
export {
  assertModelAvailable,
  assertPaymentSettings,
  type ConfigSources,
  isRemoteModel,
  loadProviderConfig,
} from "./config/load.js";
export type { ModelSource, ProviderConfig, ProviderConfigInput, ScriptedModel } from "./config/schema.js";
export { modelSourceSchema, providerConfigSchema, scriptedModelSchema } from "./config/schema.js";
export { ConfigError } from "./config/errors.js";

// What a running node reports: its status, its ecash side, and its earnings read from its data dir.
export type { NodeStatus } from "./stats.js";
export type { ProviderPayments } from "./provider.js";
export { type Earnings, readNodeEarnings } from "./payments/earnings.js";
export { type ActivityOptions, type NodeActivity, readNodeActivity } from "./activity.js";
export type { TabTotals } from "./payments/tabs.js";
export type { TabRefund } from "./payments/tab-refunds.js";

// The payment hook (`deps.paymentPolicy`): decides on a job's quote, before any work.
export type { PaymentDecision, PaymentPolicy } from "./payments/policy.js";
export type { PriceQuote } from "./pricing.js";

// Log lines.
export { type Logger, quietLogger } from "./log.js";
// Per-peer limits on refusals (`deps.refusalLimits`).
export type { RefusalLimits } from "./refusal-limiter.js";
