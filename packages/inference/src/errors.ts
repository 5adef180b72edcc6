/**
 * Why a backend refused or failed a job. Callers branch on `code` (and `retryable`), never on messages.
 * - busy: every slot and queue place is taken; try later or elsewhere
 * - aborted: the caller's signal fired before generation started
 * - closed: the backend was closed
 * - bad-request: the request (or a backend option) is invalid, or does not fit the model (prompt too long)
 * - model-not-found: no model file at the path, or a download source that cannot be reached
 * - model-invalid: the file exists but is not a loadable model
 * - auth: the upstream API rejected the credentials
 * - rate-limited: the upstream API kept answering 429
 * - timeout: the upstream API did not answer in time
 * - upstream: the upstream API failed (5xx, network error, malformed stream)
 * - internal: anything else (a bug or an engine failure)
 */
export type BackendErrorCode =
  | "busy"
  | "aborted"
  | "closed"
  | "bad-request"
  | "model-not-found"
  | "model-invalid"
  | "auth"
  | "rate-limited"
  | "timeout"
  | "upstream"
  | "internal";

const RETRYABLE_CODES: ReadonlySet<BackendErrorCode> = new Set([
  "busy",
  "rate-limited",
  "timeout",
  "upstream",
]);

export class BackendError extends Error {
  override readonly name = "BackendError";
  readonly code: BackendErrorCode;
  /** HTTP status from an upstream API, when there was one. */
  readonly status: number | undefined;

  constructor(code: BackendErrorCode, message: string, options: { cause?: unknown; status?: number } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.status = options.status;
  }

  /** Whether the same request may succeed later (or on another provider) without changes. */
  get retryable(): boolean {
    return RETRYABLE_CODES.has(this.code);
  }
}

export function isBackendError(error: unknown, code?: BackendErrorCode): error is BackendError {
  return error instanceof BackendError && (code === undefined || error.code === code);
}

/** Wraps an unknown failure so that everything leaving a backend is a BackendError. */
export function toBackendError(error: unknown, fallbackCode: BackendErrorCode = "internal"): BackendError {
  if (error instanceof BackendError) return error;
  return new BackendError(fallbackCode, errorMessage(error), { cause: error });
}

/** A `.catch` handler that rethrows any failure as a BackendError with `code`, prefixed by `what`. */
export function rethrowAs(code: BackendErrorCode, what: string): (error: unknown) => never {
  return (error) => {
    throw new BackendError(code, `${what}: ${errorMessage(error)}`, { cause: error });
  };
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
