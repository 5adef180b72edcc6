/**
 * A failed market job as the service's error: the swarm says why in words (subcall-runner.ts), and those
 * words decide the code the client sees — out of time 504, every provider busy 429, the rest 502.
 */
import { ServiceError } from "@pylon/gateway";

export function marketFailure(reason: string, model: string, signal: AbortSignal): ServiceError {
  if (signal.aborted || reason === "aborted")
    return new ServiceError("market", `${model}: the request was cancelled`);
  if (reason.startsWith("no answer before the deadline")) {
    // A deadline passed while providers said they were full: that is a busy market, not a slow one.
    return /\(busy:/.test(reason)
      ? new ServiceError("busy", `${model}: every provider is busy; retry later (${reason})`)
      : new ServiceError("timeout", `${model}: ${reason}`);
  }
  return new ServiceError("market", `${model}: ${reason}`);
}

/** The error, carrying what the request still cost (paid jobs that failed): the day's ledger counts it. */
export function costing(error: ServiceError, costSats: number): ServiceError {
  return costSats > 0 ? Object.assign(error, { costSats }) : error;
}

/** The message of anything thrown, for errors that are not the service's own. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
