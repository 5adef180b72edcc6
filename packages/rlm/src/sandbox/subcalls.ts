/**
 * The host end of the sub-call bridge: turns one batch request from the child into exactly one string per item.
 * Whatever the handler does (throws, returns junk, never settles before the cell is killed), the child gets a
 * well-formed answer, so sub-calls never raise into model code.
 */
import { ProtocolError, parseSubcallPayload } from "./protocol.js";
import type { BridgeRequest, SubcallHandler } from "./types.js";

function errorText(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.startsWith("Error:") ? message : `Error: ${message}`;
}

/** Resolves like `promise`, or rejects as soon as `signal` aborts. */
function unlessAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new Error("the cell was stopped"));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Error("the cell was stopped"));
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

export function normaliseResults(output: unknown, count: number): string[] {
  if (!Array.isArray(output)) {
    return new Array<string>(count).fill("Error: the sub-call handler did not return a list of results");
  }
  const results: string[] = [];
  for (let i = 0; i < count; i++) {
    const item: unknown = output[i];
    results.push(
      typeof item === "string" ? item : "Error: the sub-call handler returned no text for this item",
    );
  }
  return results;
}

export interface SubcallOutcome {
  /** JSON array of strings, the payload of the reply frame. */
  reply: Buffer;
  request?: BridgeRequest;
}

export async function answerSubcall(
  kind: BridgeRequest["kind"],
  payload: Buffer,
  handler: SubcallHandler | undefined,
  maxBatchSize: number,
  signal: AbortSignal,
): Promise<SubcallOutcome> {
  let request: BridgeRequest;
  try {
    request = { kind, ...parseSubcallPayload(payload) };
  } catch (error) {
    // Only forged requests get here; the runtime turns an empty list into per-item errors.
    if (error instanceof ProtocolError) return { reply: Buffer.from("[]") };
    throw error;
  }
  const count = request.prompts.length;
  let results: string[];
  if (count > maxBatchSize) {
    results = new Array<string>(count).fill(
      `Error: a batch of ${count} prompts exceeds the limit of ${maxBatchSize}`,
    );
  } else if (!handler) {
    results = new Array<string>(count).fill("Error: sub-calls are not available in this sandbox");
  } else if (count === 0) {
    results = [];
  } else {
    try {
      results = normaliseResults(
        await unlessAborted(Promise.resolve(handler(request, signal)), signal),
        count,
      );
    } catch (error) {
      results = new Array<string>(count).fill(errorText(error));
    }
  }
  return { reply: Buffer.from(JSON.stringify(results), "utf8"), request };
}
