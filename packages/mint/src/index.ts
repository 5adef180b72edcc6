/**
 * @pylon/mint: a local TESTNET Cashu mint whose Lightning is fake (quotes are paid at once, melts succeed at
 * once). For tests and the offline demo only: its ecash is worth nothing. Wallets reach it over HTTP (NUT-00
 * to NUT-12), as they would any mint; nothing else imports its internals.
 */

// Start and stop a mint; read its totals
export { type RunningMint, startMint } from "./mint.js";

// Options, totals, and the units a mint can issue
export {
  MINT_OPERATIONS,
  type MintOperations,
  type MintOptions,
  type MintStats,
  type MintUnit,
  SUPPORTED_UNITS,
} from "./options.js";

// Lightning invoices the fake Lightning pays, for melting (withdrawing) in tests and the demo
export { type FakeInvoice, type FakeInvoiceOptions, fakeInvoice } from "./bolt11.js";

// What `pylon mint` prints so nobody mistakes its ecash for money
export { TESTNET_WARNING } from "./info.js";
