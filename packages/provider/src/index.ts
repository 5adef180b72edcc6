/**
 * @pylon/provider: the `pylon node` daemon as a library — announce, intake, pricing and the payment hook,
 * a persistent job queue on inference slots, feedback and results, restart recovery, graceful shutdown.
 */

// Its configuration: a file, PYLON_* variables and overrides, checked before anything starts.
export { ConfigError } from "./config/errors.js";
export { type ConfigSources, isRemoteModel, loadProviderConfig } from "./config/load.js";
export type { ModelSource, ProviderConfig, ProviderConfigInput, ScriptedModel } from "./config/schema.js";
export { modelSourceSchema, providerConfigSchema, scriptedModelSchema } from "./config/schema.js";
// Log lines.
export { type Logger, quietLogger } from "./log.js";
// Types the signatures above refer to.
// Types the signatures above refer to.
export type { CashuPolicy, CashuPolicyOptions } from "./payments/cashu-policy.js";
// What a running node reports, and its ecash earnings read from its data dir.
export { type Earnings, readNodeEarnings } from "./payments/earnings.js";
// The payment hook (`deps.paymentPolicy`): decides on a job's quote, before any work.
export type { PaymentDecision, PaymentPolicy } from "./payments/policy.js";
// Types the signatures above refer to.
export type { NodePayments } from "./payments/setup.js";
export type { RefundDelivery } from "./payments/tab-refunder.js";
export type { TabRefund } from "./payments/tab-refunds.js";
// Types the signatures above refer to.
export type { TabBook, TabTotals } from "./payments/tabs.js";
export type { PriceQuote } from "./pricing.js";
// Start and stop a node.
export { type ProviderDeps, type RunningProvider, startProvider } from "./provider.js";
export type { NodeStatus } from "./stats.js";
