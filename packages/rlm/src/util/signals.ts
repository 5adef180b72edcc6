import { setMaxListeners } from "node:events";

export interface FanOut {
  signal: AbortSignal;
  /** Detaches from the parents once the work is done. */
  dispose(): void;
}

/**
 * A signal that follows `parents`, made for many listeners: one batch of sub-calls registers one abort
 * listener per item, which would trip Node's leak warning (at 10) on a shared signal.
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

/**
 * Runs `work` on every item at once, each with a signal of its own that aborts with `parent`. One listener
 * on the parent aborts them all: with thousands of items sharing one signal, every addEventListener scans
 * every listener already there (quadratic in the batch size).
 */
export async function allWithItemSignals<T, R>(
  parent: AbortSignal,
  items: readonly T[],
  work: (item: T, signal: AbortSignal) => Promise<R>,
): Promise<R[]> {
  const open = new Set<AbortController>();
  const abortAll = (): void => {
    for (const controller of open) controller.abort(parent.reason);
  };
  parent.addEventListener("abort", abortAll, { once: true });
  try {
    return await Promise.all(
      items.map(async (item) => {
        const controller = new AbortController();
        setMaxListeners(0, controller.signal); // an item's queue wait, generation and timers listen to it
        if (parent.aborted) controller.abort(parent.reason);
        open.add(controller);
        try {
          return await work(item, controller.signal);
        } finally {
          open.delete(controller);
        }
      }),
    );
  } finally {
    parent.removeEventListener("abort", abortAll);
  }
}
