/** Loads a resource and, when asked, reloads it every few seconds (runs list, market, node). */
import { useEffect, useState } from "preact/hooks";
import { ApiError } from "./client.js";

export interface Loaded<T> {
  data: T | null;
  error: string | null;
  /** HTTP status of the last failure (404: the viewer has none of this). */
  status: number | null;
}

export function usePoll<T>(load: (signal: AbortSignal) => Promise<T>, everyMs: number | null): Loaded<T> {
  const [state, setState] = useState<Loaded<T>>({ data: null, error: null, status: null });
  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      try {
        const data = await load(controller.signal);
        setState({ data, error: null, status: null });
      } catch (error) {
        if (controller.signal.aborted) return;
        const status = error instanceof ApiError ? error.status : null;
        setState((old) => ({ data: old.data, error: (error as Error).message, status }));
      }
      if (everyMs !== null && !controller.signal.aborted) timer = setTimeout(tick, everyMs);
    };
    void tick();
    return () => {
      controller.abort();
      clearTimeout(timer);
    };
  }, [load, everyMs]);
  return state;
}
