/**
 * Event kinds and kind arithmetic used by the job market (NIP-90, NIP-89, NIP-09, NIP-42).
 */
export const Kind = {
  /** NIP-09 deletion request; used to cancel a job request. */
  Deletion: 5,
  /** NIP-90 text-generation job request. */
  TextGeneration: 5050,
  /** NIP-90 text-generation job result (request kind + 1000). */
  TextGenerationResult: 6050,
  /** NIP-90 job feedback (status updates, payment requests, partial output). */
  JobFeedback: 7000,
  /** NIP-42 client authentication. */
  ClientAuth: 22242,
  /** NIP-89 handler information (provider announcement); addressable by `d`. */
  HandlerInformation: 31990,
} as const;

export const JOB_REQUEST_KIND_MIN = 5000;
export const JOB_REQUEST_KIND_MAX = 5999;
/** Results always sit exactly this far above their request kind. */
export const RESULT_KIND_OFFSET = 1000;

export function isJobRequestKind(kind: number): boolean {
  return Number.isInteger(kind) && kind >= JOB_REQUEST_KIND_MIN && kind <= JOB_REQUEST_KIND_MAX;
}

export function isJobResultKind(kind: number): boolean {
  return isJobRequestKind(kind - RESULT_KIND_OFFSET);
}

/** Result kind for a request kind (5050 → 6050). Throws RangeError for kinds outside 5000–5999. */
export function resultKindFor(requestKind: number): number {
  if (!isJobRequestKind(requestKind)) {
    throw new RangeError(`not a NIP-90 job request kind: ${requestKind}`);
  }
  return requestKind + RESULT_KIND_OFFSET;
}

/** Request kind a result kind answers (6050 → 5050). Throws RangeError for kinds outside 6000–6999. */
export function requestKindFor(resultKind: number): number {
  if (!isJobResultKind(resultKind)) {
    throw new RangeError(`not a NIP-90 job result kind: ${resultKind}`);
  }
  return resultKind - RESULT_KIND_OFFSET;
}
