/**
 * The wallet's one error type. `code` is what callers branch on (the CLI turns it into a clear message);
 * `message` is for people.
 */
export type WalletErrorCode =
  /** The mint could not be reached (connection refused, DNS, timeout). Nothing was lost: see `opId`. */
  | "mint-unreachable"
  /** The mint answered with an error (4xx/5xx) that the wallet could not settle by itself. */
  | "mint-error"
  /** A token that does not decode, or whose proofs are not what they claim. */
  | "malformed-token"
  /** A token whose proofs were already spent (claimed by someone else, or replayed). */
  | "token-spent"
  /** Not enough unspent proofs at that mint for the amount plus fees. */
  | "insufficient-balance"
  /** A mint that is not among the wallet's configured mints. */
  | "unknown-mint"
  /** A mint quote that was not paid in time, or a Lightning payment that failed. */
  | "payment-failed"
  /** A mint that marks its own invoices paid (a test mint's fake Lightning): they cannot be offered to payers. */
  | "self-paying-mint"
  /** The operation reached the mint but its outcome is not known yet; it settles on the next recovery. */
  | "pending"
  /** Bad input from the caller (amount, seed file, options). */
  | "invalid-argument";

export class WalletError extends Error {
  override readonly name = "WalletError";
  constructor(
    readonly code: WalletErrorCode,
    message: string,
    /** The operation this error belongs to, when one was recorded (see `history`). */
    readonly opId?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
