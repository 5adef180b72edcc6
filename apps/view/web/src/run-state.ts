/**
 * One run's state on the page: its detail (fetched once), its sub-call rows (rows.ts) and, while it is
 * running, the live stream's deltas applied as they come, so the page tracks the log within half a second.
 */
import { useEffect, useState } from "preact/hooks";
import type { IterationView, LiveEvent, RunDetail } from "../../src/api.js";
import { api, live } from "./client.js";
import { RowStore } from "./rows.js";

export interface RunState {
  detail: RunDetail | null;
  error: string | null;
  rows: RowStore;
  /** The live stream's state while the run is running. */
  live: "off" | "open" | "reconnecting";
}

function upsertIteration(list: IterationView[], next: IterationView): IterationView[] {
  const at = list.findIndex((it) => it.runId === next.runId && it.iteration === next.iteration);
  if (at < 0) return [...list, next];
  const copy = list.slice();
  copy[at] = next;
  return copy;
}

export function applyLive(detail: RunDetail, event: LiveEvent, rows: RowStore): RunDetail {
  switch (event.type) {
    case "subcalls":
      rows.put(event.rows);
      return detail;
    case "iteration":
      return { ...detail, iterations: upsertIteration(detail.iterations, event.iteration) };
    case "totals":
      rows.setTotal(event.totals.subcalls);
      return { ...detail, totals: event.totals, tree: event.tree, providers: event.providers };
    case "final":
      return { ...detail, summary: event.summary };
  }
}

export function useRun(id: string): RunState {
  const [rows] = useState(() => new RowStore(id));
  const [detail, setDetail] = useState<RunDetail | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [liveState, setLive] = useState<RunState["live"]>("off");

  useEffect(() => {
    const controller = new AbortController();
    let stop: (() => void) | undefined;
    api.run(id, controller.signal).then(
      (loaded) => {
        rows.setTotal(loaded.totals.subcalls);
        setDetail(loaded);
        // The first screenful at once, everything else behind it.
        void rows.ensure(0, 200).then(() => rows.loadAll());
        if (loaded.summary.status !== "running") return;
        setLive("open");
        stop = live(
          id,
          { subcalls: loaded.totals.subcalls, iterations: loaded.iterations.length },
          (event) => {
            setLive("open");
            setDetail((old) => (old ? applyLive(old, event, rows) : old));
            if (event.type === "final") {
              stop?.();
              setLive("off");
            }
          },
          () => setLive("reconnecting"),
        );
      },
      (failure: Error) => {
        if (!controller.signal.aborted) setError(failure.message);
      },
    );
    return () => {
      controller.abort();
      stop?.();
      rows.close();
    };
  }, [id, rows]);

  return { detail, error, rows, live: liveState };
}
