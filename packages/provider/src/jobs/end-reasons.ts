/** Why a job or batch item ended without an output, in words its buyer can act on. */
import { isBackendError } from "@pylon/inference";

export const SHUTDOWN_REASON = "provider shutting down; please retry (here later, or elsewhere)";
export const CANCELLED_REASON = "cancelled by the buyer";
export const EXPIRED_BEFORE_SLOT_REASON = "the request expired before a slot was free";
export const BUSY_AFTER_PAYMENT_REASON =
  "busy: no place was left for this job; nothing was charged, please retry";

export function stopReasonText(reason: "cancelled" | "shutdown"): string {
  return reason === "cancelled" ? CANCELLED_REASON : SHUTDOWN_REASON;
}

/** A backend failure in words a buyer can act on. */
export function describeFailure(error: unknown): string {
  if (isBackendError(error, "busy")) return `busy: ${error.message}; retry later or use another provider`;
  if (isBackendError(error, "bad-request")) return `cannot run this request: ${error.message}`;
  if (isBackendError(error, "closed")) return SHUTDOWN_REASON;
  return `generation failed: ${error instanceof Error ? error.message : String(error)}`;
}
