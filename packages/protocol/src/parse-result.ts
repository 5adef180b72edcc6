/**
 * Why a parser rejected an event. Parsers never throw on bad input; they return one of these.
 *
 * - `invalid`: malformed or out-of-range data; worth an `error` feedback to the author.
 * - `unsupported`: well-formed but asks for something we do not do (kind, input type, output format).
 * - `expired`: past its NIP-40 expiration, or older than the caller's maximum age. Stay silent.
 * - `not-for-us`: addressed (`p`) to other providers. Stay silent.
 * - `undecryptable`: encrypted and we hold no key, or the payload does not decrypt.
 * - `too-large`: over the caller's size limit.
 */
export type ParseFailureCode =
  | "invalid"
  | "unsupported"
  | "expired"
  | "not-for-us"
  | "undecryptable"
  | "too-large";

export interface ParseFailure {
  ok: false;
  code: ParseFailureCode;
  /** Human-readable, safe to send back to the event's author. */
  reason: string;
}

export function parseFailure(code: ParseFailureCode, reason: string): ParseFailure {
  return { ok: false, code, reason };
}
