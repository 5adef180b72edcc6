/** The selected iteration: the root's reply, each code block with its output and exception, its sub-calls. */
import { useEffect } from "preact/hooks";
import type { IterationView, ProviderTotals, SubcallRow } from "../../../src/api.js";
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
/** How far into the range the pane looks; the table holds the rest. */
const SPAN = 5_000;

/**
 * The reply without its runnable fences (```repl, ```python, ```py, as the RLM runs them; shown highlighted
 * below): each becomes "[code block N below]". An unclosed fence was not run, so it stays.
 */
export function proseOf(reply: string, blocks: number): string {
  if (blocks === 0) return reply;
  let n = 0;
  return reply.replace(/```(?:repl|python|py)[ \t]*\n[\s\S]*?```/g, () => `[code block ${++n} below]`).trim();
}

export function IterationPane({ iteration: it, store, known, onOpen, onShowInTable }: IterationProps) {
  useRows(store);
  // The range spans this iteration's rows; in a depth > 1 run a child's rows may sit between them.
  const { first, count } = it.subcalls;
  const span = Math.min(count, SPAN);
  useEffect(() => void store.ensure(first, first + span), [store, first, span]);
  const own: SubcallRow[] = [];
  let loaded = true;
  for (let i = first; i < first + span; i++) {
    const row = store.rows[i];
    if (!row) loaded = false;
    else if (row.runId === it.runId && row.iteration === it.iteration) own.push(row);
  }
  const made = loaded && span === count ? own.length : null;
  const listed = own.slice(0, LISTED);
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
      <Scroll class="text reply">{proseOf(it.modelOutput, it.codeBlocks.length)}</Scroll>
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
        Sub-calls made ({made === null ? `up to ${fmtInt(count)}` : fmtInt(made)})
        {count > 0 && (
          <button type="button" class="link" onClick={onShowInTable}>
            show in the table
          </button>
        )}
      </h4>
      {count > 0 && (
        <ul class="mini-subcalls">
          {listed.map((row) => (
            <li key={row.index}>
              <button type="button" class={row.ok ? "" : "failed"} onClick={() => onOpen(row.index)}>
                <span class="num">#{row.index}</span>
                <span>{oneLine(row.promptPreview, 70)}</span>
                <span class={row.ok ? "muted" : "bad-text"}>
                  → {oneLine(row.ok ? row.responsePreview : (row.error ?? "failed"), 50)}
                </span>
                <span class="muted">
                  {providerLabel(row.provider, known)} · {fmtSats(row.costSats)}
                </span>
              </button>
            </li>
          ))}
          {!loaded && <li class="muted">loading…</li>}
          {own.length > LISTED && (
            <li class="muted">… and {fmtInt(own.length - LISTED)} more in the table below.</li>
          )}
        </ul>
      )}
    </section>
  );
}
