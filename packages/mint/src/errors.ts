/**
 * Spec errors: every refusal is an HTTP 400 with `{ detail, code }` (NUT-00), which cashu-ts turns into a
 * `MintOperationError` carrying the same code.
 *
 * Codes follow the NUT error table as deployed by Nutshell and CDK (10002 output already signed, 11001 spent,
 * 11002 not balanced, ...). cashubtc/nuts renumbered the table in January 2026 (PR #314: 10001 verification
 * failed, 11003 output signed, 11005 not balanced, 11013 unit); this mint keeps the deployed numbers so that
 * wallets written against running mints behave the same here. All codes live in this one table.
 */
export const ErrorCode = {
  /** No spec code fits (malformed request, unknown quote): the `detail` says what was wrong. */
  BAD_REQUEST: 0,
  OUTPUT_ALREADY_SIGNED: 10002,
  PROOF_INVALID: 10003,
  PROOF_ALREADY_SPENT: 11001,
  TRANSACTION_UNBALANCED: 11002,
  UNIT_UNSUPPORTED: 11005,
  AMOUNT_OUT_OF_RANGE: 11006,
  DUPLICATE_INPUTS: 11007,
  DUPLICATE_OUTPUTS: 11008,
  MULTIPLE_UNITS: 11009,
  UNIT_MISMATCH: 11010,
  AMOUNTLESS_INVOICE: 11011,
  KEYSET_UNKNOWN: 12001,
  KEYSET_INACTIVE: 12002,
  QUOTE_NOT_PAID: 20001,
  QUOTE_ALREADY_ISSUED: 20002,
  INVOICE_ALREADY_PAID: 20006,
  QUOTE_EXPIRED: 20007,
} as const;

export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

/** A refusal the wallet should see verbatim. Anything else thrown inside a handler is an internal error (500). */
export class MintError extends Error {
  constructor(
    readonly code: ErrorCodeValue,
    readonly detail: string,
  ) {
    super(detail);
    this.name = "MintError";
  }

  toJSON(): { detail: string; code: number } {
    return { detail: this.detail, code: this.code };
  }
}

export function refuse(code: ErrorCodeValue, detail: string): never {
  throw new MintError(code, detail);
}
