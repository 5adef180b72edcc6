/**
 * @pylon/wallet — the Cashu wallet over cashu-ts 4: a SQLite proof store written before anything leaves the
 * process, deterministic secrets (NUT-13) with recovery from the mint (NUT-07/09), and the payment
 * primitives the buyer and provider use (P2PK-locked tokens, offline acceptance, batch redeem, reclaim).
 * See docs/payments.md. Crash-test hooks: `@pylon/wallet/testing`.
 */

// The wallet: open it, then fund, send, receive, withdraw, lock payments, reclaim, recover.
export {
  type Balance,
  type OpenWalletOptions,
  openWallet,
  PylonWallet,
  type RecoveryReport,
} from "./wallet.js";

// What the wallet's methods take and return.
export type { FundOptions } from "./ops/fund.js";
export type { InvoiceState, OpenInvoice } from "./ops/invoice.js";
export type { LockRequest, LockResult } from "./ops/lock.js";
export type { LockedToken } from "./ops/tokens.js";
export type { P2PKKeyPair } from "./keys.js";
export type { PendingCheck } from "./ops/reclaim.js";
export type { InputState } from "./ops/mint-state.js";

// What it keeps: the journal of operations and the stored proofs, with their states and totals.
export type { Operation, OpKind, OpState } from "./store/operations.js";
export type { ProofState, StateTotals, StoredProof } from "./store/proofs.js";

// Its one error type: callers branch on `code`.
export { WalletError, type WalletErrorCode } from "./errors.js";

// The provider side: accept P2PK-locked payments offline, record them, redeem them in batches.
export {
  type AcceptedPayment,
  type AcceptOptions,
  type AcceptResult,
  acceptLockedPayment,
  type PaymentRefusal,
  type RefusalCode,
} from "./payments/accept.js";
export { type CollectedProof, type CollectedState, type Credit, PaymentLedger } from "./payments/ledger.js";
export { type Payout, type RedeemedBatch, type RedeemOptions, redeemCollected } from "./payments/redeem.js";
export { KeysetDirectory, type KnownKeyset } from "./payments/keysets.js";

// How a provider asks for payment in its announcement.
export {
  decodeLockedPaymentRequest,
  encodeLockedPaymentRequest,
  type LockedPaymentRequest,
} from "./payments/payment-request.js";

// One spelling of a mint's URL, so wallets, providers and buyers compare mints alike.
export { canonicalMintUrl } from "./mint-session.js";

// `pylon doctor`'s mint checks: info, the NUTs Pylon needs, keysets and fees.
export { type MintCheck, type MintProbe, probeMint, REQUIRED_NUTS } from "./mint-probe.js";

// The SQLite handle a PylonWallet and a PaymentLedger are built on (the same file can serve both).
export type { Db } from "./store/db.js";
