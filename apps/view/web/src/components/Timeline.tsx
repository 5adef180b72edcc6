/**
 * The iteration timeline of one RLM: a bar per iteration, as wide as it took, marked when its code raised or
 * it answered; selecting one shows it below.
 */
import type { IterationView } from "../../../src/api.js";
import { fmtMs } from "../format.js";

export interface TimelineProps {
  iterations: IterationView[];
  selected: number | null;
  onSelect: (iteration: number) => void;
}

export function Timeline({ iterations, selected, onSelect }: TimelineProps) {
  if (iterations.length === 0) return <p class="muted">No iteration finished yet.</p>;
  const total = iterations.reduce((sum, it) => sum + Math.max(1, it.durationMs), 0);
  return (
    <ol class="timeline" aria-label="Iterations">
      {iterations.map((it) => {
        const failed = it.codeBlocks.some((block) => block.error !== undefined);
        const share = Math.max(1, it.durationMs) / total;
        return (
          <li key={it.iteration} style={{ flexGrow: share * 100 }}>
            <button
              type="button"
              class={`iteration${it.iteration === selected ? " selected" : ""}${failed ? " failed" : ""}${it.final ? " final" : ""}`}
              aria-pressed={it.iteration === selected}
              data-iteration={it.iteration}
              onClick={() => onSelect(it.iteration)}
              title={`Iteration ${it.iteration}: ${fmtMs(it.durationMs)}, ${it.subcalls.count} sub-calls`}
            >
              <strong>{it.iteration}</strong>
              <span>{fmtMs(it.durationMs)}</span>
              <span>{it.subcalls.count} sub</span>
              {failed && <span class="mark">error</span>}
              {it.final && <span class="mark">final</span>}
            </button>
          </li>
        );
      })}
    </ol>
  );
}
