/**
 * @pylon/wallet — the Cashu wallet over cashu-ts 4: a SQLite proof store written before anything leaves the
 * process, deterministic secrets (NUT-13) with recovery from the mint (NUT-07/09), and the payment
 * primitives the buyer and provider use (P2PK-locked tokens, offline acceptance, batch redeem, reclaim).
 * See docs/payments.md.
 */
export { type CrashPoint, PAUSE_ENV, PAUSE_MARKER } from "./crash-points.js";
export { errorMessage, WalletError, type WalletErrorCode } from "./errors.js";
export { deriveKeyPair, type P2PKKeyPair, xOnly } from "./keys.js";
export { canonicalMintUrl } from "./mint-session.js";
export type { FundOptions } from "./ops/fund.js";
export { type LockRequest, type LockResult, withRedeemFee } from "./ops/lock.js";
export type { InputState } from "./ops/mint-state.js";
export type { PendingCheck } from "./ops/reclaim.js";
export type { LockedToken } from "./ops/tokens.js";
export {
  type AcceptedPayment,
  type AcceptOptions,
  type AcceptResult,
  acceptLockedPayment,
  type Refusal,
  type RefusalCode,
} from "./payments/accept.js";
export { KeysetDirectory, type KnownKeyset } from "./payments/keysets.js";
export { type CollectedProof, type CollectedState, type Credit, PaymentLedger } from "./payments/ledger.js";
export { type LockConditions, readLock } from "./payments/lock-conditions.js";
export {
  decodeLockedPaymentRequest,
  encodeLockedPaymentRequest,
  type LockedPaymentRequest,
} from "./payments/payment-request.js";
export { type RedeemedBatch, type RedeemOptions, redeemCollected } from "./payments/redeem.js";
export { proofY } from "./proof-y.js";
export { loadOrCreateSeed } from "./seed.js";
export type { Operation, OpKind, OpState } from "./store/operations.js";
export type { ProofState, StateTotals, StoredProof } from "./store/proofs.js";
export {
  type Balance,
  type OpenWalletOptions,
  openWallet,
  PylonWallet,
  type RecoveryReport,
} from "./wallet.js";
