import { setMaxListeners } from "node:events";

export interface FanOut {
  signal: AbortSignal;
  /** Detaches from the parents once the work is done. */
  dispose(): void;
}

/**
 * A signal that follows `parents`, made for many listeners: one batch of sub-calls registers one abort
 * listener per slot, which would trip Node's leak warning (at 10) on a shared signal.
 */
export function fanOutSignal(...parents: AbortSignal[]): FanOut {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  const abort = (event?: Event) => controller.abort((event?.target as AbortSignal | undefined)?.reason);
  const aborted = parents.find((parent) => parent.aborted);
  if (aborted) controller.abort(aborted.reason);
  else for (const parent of parents) parent.addEventListener("abort", abort, { once: true });
  return {
    signal: controller.signal,
    dispose: () => {
      for (const parent of parents) parent.removeEventListener("abort", abort);
    },
  };
}
