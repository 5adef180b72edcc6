/**
 * Errors in OpenAI's JSON shape (`{"error":{"message","type","param","code"}}`) with the status its API would
 * use, so OpenAI's clients raise the class their users already catch (AuthenticationError, NotFoundError, …).
 */
import { ServiceError, type ServiceErrorCode } from "../service.js";

export interface ErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

/** A request that ends with an error reply; everything else thrown while serving is a bug (500). */
export class HttpError extends Error {
  override name = "HttpError";
  constructor(
    readonly status: number,
    message: string,
    readonly type: string,
    readonly code: string | null = null,
    readonly param: string | null = null,
    /** Extra response headers (retry-after on 429). */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  body(): ErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

export const invalidRequest = (message: string, param: string | null = null, code: string | null = null) =>
  new HttpError(400, message, "invalid_request_error", code, param);

export const badApiKey = (message: string) =>
  new HttpError(401, message, "invalid_request_error", "invalid_api_key");

export const overBudget = (message: string) =>
  new HttpError(402, message, "insufficient_quota", "insufficient_quota");

export const modelNotFound = (message: string) =>
  new HttpError(404, message, "invalid_request_error", "model_not_found", "model");

export const tooBusy = (message: string, retryAfterSeconds: number) =>
  new HttpError(429, message, "requests", "rate_limit_exceeded", null, {
    "retry-after": String(retryAfterSeconds),
  });

/** What each of the service's failures becomes on the wire (OpenAI's status, type and code). */
const BY_CODE: Record<ServiceErrorCode, (message: string) => HttpError> = {
  "bad-request": (message) => invalidRequest(message),
  "unknown-model": modelNotFound,
  budget: overBudget,
  busy: (message) => tooBusy(message, 1),
  market: (message) => new HttpError(502, message, "server_error", "market_error"),
  timeout: (message) => new HttpError(504, message, "server_error", "timeout"),
};

/** The reply for a failure: a ServiceError by its code; anything else a generic 500 (the cause is logged). */
export function toHttpError(error: unknown): HttpError {
  if (error instanceof HttpError) return error;
  if (error instanceof ServiceError && Object.hasOwn(BY_CODE, error.code))
    return BY_CODE[error.code](error.message);
  return new HttpError(500, "The server had an error while processing your request.", "server_error");
}

/** Sats a failed request still cost: services attach `costSats` to the error when jobs were paid for. */
export function costOfFailure(error: unknown): number {
  const cost = (error as { costSats?: unknown } | null)?.costSats;
  return typeof cost === "number" && Number.isFinite(cost) && cost > 0 ? cost : 0;
}

/** The message to log for a failure: the real cause, even when the client only saw a generic 500. */
export function describeError(error: unknown): string {
  if (error instanceof ServiceError) return `${error.code}: ${error.message}`;
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
