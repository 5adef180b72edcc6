/**
 * The iteration timeline of one RLM: a bar per iteration, as wide as it took, marked when its code raised or
 * it answered; selecting one shows it below.
 */
import type { IterationView } from "../../../src/api.js";
import { fmtMs } from "../format.js";
import { type RowStore, useRows } from "../rows.js";

export interface TimelineProps {
  iterations: IterationView[];
  store: RowStore;
  selected: number | null;
  onSelect: (iteration: number) => void;
}

/**
 * The sub-calls an iteration made: its range spans them, but in a depth > 1 run a child's rows may sit
 * between, so they are counted once the range is loaded ("≤ N" until then).
 */
function made(it: IterationView, store: RowStore): string {
  const { first, count } = it.subcalls;
  let own = 0;
  for (let i = first; i < first + count; i++) {
    const row = store.rows[i];
    if (!row) return `≤ ${count}`;
    if (row.runId === it.runId && row.iteration === it.iteration) own++;
  }
  return String(own);
}

export function Timeline({ iterations, store, selected, onSelect }: TimelineProps) {
  useRows(store);
  if (iterations.length === 0) return <p class="muted">No iteration finished yet.</p>;
  const total = iterations.reduce((sum, it) => sum + Math.max(1, it.durationMs), 0);
  return (
    <ol class="timeline" aria-label="Iterations">
      {iterations.map((it) => {
        const failed = it.codeBlocks.some((block) => block.error !== undefined);
        const share = Math.max(1, it.durationMs) / total;
        const subcalls = made(it, store);
        return (
          <li key={it.iteration} style={{ flexGrow: share * 100 }}>
            <button
              type="button"
              class={`iteration${it.iteration === selected ? " selected" : ""}${failed ? " failed" : ""}${it.final ? " final" : ""}`}
              aria-pressed={it.iteration === selected}
              data-iteration={it.iteration}
              onClick={() => onSelect(it.iteration)}
              title={`Iteration ${it.iteration}: ${fmtMs(it.durationMs)}, ${subcalls} sub-calls`}
            >
              <strong>{it.iteration}</strong>
              <span>{fmtMs(it.durationMs)}</span>
              <span>{subcalls} sub</span>
              {failed && <span class="mark">error</span>}
              {it.final && <span class="mark">final</span>}
            </button>
          </li>
        );
      })}
    </ol>
  );
}
