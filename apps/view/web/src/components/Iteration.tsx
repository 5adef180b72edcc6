/** The selected iteration: the root's reply, each code block with its output and exception, its sub-calls. */
import { useEffect } from "preact/hooks";
import type { IterationView, ProviderTotals } from "../../../src/api.js";
import { fmtInt, fmtMs, fmtSats, oneLine, providerLabel } from "../format.js";
import { type RowStore, useRows } from "../rows.js";
import { CodeBlock, Scroll } from "./Code.js";

export interface IterationProps {
  iteration: IterationView;
  store: RowStore;
  known: Map<string, ProviderTotals>;
  onOpen: (index: number) => void;
  onShowInTable: () => void;
}

const LISTED = 50;

export function IterationPane({ iteration: it, store, known, onOpen, onShowInTable }: IterationProps) {
  useRows(store);
  const { first, count } = it.subcalls;
  useEffect(() => void store.ensure(first, first + Math.min(count, LISTED)), [store, first, count]);
  const listed = Array.from({ length: Math.min(count, LISTED) }, (_, i) => store.rows[first + i]);
  return (
    <section class="iteration-pane" aria-label={`Iteration ${it.iteration}`}>
      <header class="pane-head">
        <h3>Iteration {it.iteration}</h3>
        <span class="muted">
          {fmtMs(it.durationMs)} · root reply {fmtMs(it.modelLatencyMs)} · {fmtInt(it.usage.inputTokens)} in /{" "}
          {fmtInt(it.usage.outputTokens)} out tokens
          {it.modelCostSats !== undefined && ` · ${fmtSats(it.modelCostSats)}`}
          {it.modelProvider && ` · ${it.modelProvider}`}
        </span>
        {it.forced && <span class="badge warn">forced answer</span>}
      </header>
      <h4>Root reply</h4>
      <Scroll class="text reply">{it.modelOutput}</Scroll>
      {it.codeBlocks.map((block, i) => (
        <CodeBlock key={i} block={block} n={i + 1} />
      ))}
      {it.final && (
        <div class="final-answer">
          <h4>Final answer ({it.final.source})</h4>
          <Scroll class="text">{it.final.content}</Scroll>
        </div>
      )}
      <h4>
        Sub-calls made ({fmtInt(count)})
        {count > 0 && (
          <button type="button" class="link" onClick={onShowInTable}>
            show in the table
          </button>
        )}
      </h4>
      {count > 0 && (
        <ul class="mini-subcalls">
          {listed.map((row, i) => (
            <li key={first + i}>
              <button type="button" class={row && !row.ok ? "failed" : ""} onClick={() => onOpen(first + i)}>
                <span class="num">#{first + i}</span>
                {row ? (
                  <>
                    <span>{oneLine(row.promptPreview, 70)}</span>
                    <span class={row.ok ? "muted" : "bad-text"}>
                      → {oneLine(row.ok ? row.responsePreview : (row.error ?? "failed"), 50)}
                    </span>
                    <span class="muted">
                      {providerLabel(row.provider, known)} · {fmtSats(row.costSats)}
                    </span>
                  </>
                ) : (
                  <span class="muted">loading…</span>
                )}
              </button>
            </li>
          ))}
          {count > LISTED && <li class="muted">… and {fmtInt(count - LISTED)} more in the table below.</li>}
        </ul>
      )}
    </section>
  );
}
