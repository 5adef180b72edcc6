/**
 * @pylon/mint: a local TESTNET Cashu mint whose Lightning is fake (quotes are paid at once, melts succeed at
 * once). For tests and the offline demo only: its ecash is worth nothing.
 */
export { type FakeInvoice, type FakeInvoiceOptions, fakeInvoice, invoiceAmountMsat } from "./bolt11.js";
export { ErrorCode, type ErrorCodeValue } from "./errors.js";
export { SUPPORTED_NUTS, TESTNET_WARNING } from "./info.js";
export { isLoopback, type RunningMint, startMint } from "./mint.js";
export { type MintOptions, type MintStats, type MintUnit, SUPPORTED_UNITS } from "./options.js";
