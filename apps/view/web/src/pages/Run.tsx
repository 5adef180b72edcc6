/**
 * One run: question and answer, totals, the recursion tree, the selected RLM's iteration timeline, the
 * selected iteration, the sub-calls table and the charts; live while the run is running (run-state.ts).
 */
import { useMemo, useState } from "preact/hooks";
import type { RunDetail } from "../../../src/api.js";
import { IterationPane } from "../components/Iteration.js";
import { ProvidersTable } from "../components/Providers.js";
import { RunCharts } from "../components/RunCharts.js";
import { LiveBar, Stats } from "../components/Stats.js";
import { RunStatusBadge } from "../components/Status.js";
import { SubcallDetail } from "../components/SubcallDetail.js";
import { SubcallTable } from "../components/SubcallTable.js";
import { Timeline } from "../components/Timeline.js";
import { Tree } from "../components/Tree.js";
import { fmtTime } from "../format.js";
import { type RowStore, useRows } from "../rows.js";
import { type RunState, useRun } from "../run-state.js";
import { initialQuery, type TableQuery } from "../subcall-view.js";

/** The live bar and stat cards, re-rendered as rows arrive (the rest of the page need not be). */
function Totals({ detail, store, live }: { detail: RunDetail; store: RowStore; live: RunState["live"] }) {
  useRows(store);
  return (
    <>
      <LiveBar detail={detail} rows={store.total} live={live} />
      <Stats detail={detail} rows={store.total} />
    </>
  );
}

export function RunPage({ id }: { id: string }) {
  const { detail, error, rows: store, live } = useRun(id);
  const [selectedRun, setSelectedRun] = useState<string | null>(null);
  const [selectedIteration, setSelectedIteration] = useState<number | null>(null);
  const [query, setQuery] = useState<TableQuery>(initialQuery);
  const [open, setOpen] = useState<number | null>(null);

  const known = useMemo(
    () => new Map((detail?.providers ?? []).map((p) => [p.provider, p])),
    [detail?.providers],
  );
  const runId = selectedRun ?? detail?.tree.runId ?? id;
  const iterations = useMemo(
    () => (detail?.iterations ?? []).filter((it) => it.runId === runId),
    [detail?.iterations, runId],
  );
  // By default the last iteration that ran code (a closing FINAL(...) turn alone says little).
  const iteration =
    iterations.find((it) => it.iteration === selectedIteration) ??
    iterations.findLast((it) => it.codeBlocks.length > 0) ??
    iterations[iterations.length - 1] ??
    null;

  if (error) return <p class="notice bad">{error}</p>;
  if (!detail) return <p class="notice">Loading run {id}…</p>;
  const s = detail.summary;
  const selectRun = (next: string) => {
    setSelectedRun(next);
    setSelectedIteration(null);
    setQuery({
      ...query,
      runId: next === detail.tree.runId && detail.tree.children.length === 0 ? null : next,
      iteration: null,
    });
  };

  return (
    <article class="run" data-status={s.status}>
      <section class="qa card" aria-label="Question and answer">
        <div class="qa-head">
          <RunStatusBadge status={s.status} />
          <span class="muted">
            {fmtTime(s.startedAt)} · root {s.models.root} · sub-calls {s.models.sub} · {s.id}
          </span>
        </div>
        <h1 class="question">{s.question}</h1>
        <div class={`answer${s.answer === null ? " none" : ""}`} data-testid="answer">
          {s.answer ?? (s.status === "running" ? "Running…" : `No answer (${s.status}).`)}
        </div>
      </section>
      <Totals detail={detail} store={store} live={live} />
      <div class="split">
        <section class="card" aria-labelledby="tree-title">
          <h2 id="tree-title">Recursion tree</h2>
          <Tree tree={detail.tree} selected={runId} onSelect={selectRun} />
        </section>
        <section class="card grow" aria-labelledby="timeline-title">
          <h2 id="timeline-title">Iterations</h2>
          <Timeline
            iterations={iterations}
            store={store}
            selected={iteration?.iteration ?? null}
            onSelect={(n) => setSelectedIteration(n)}
          />
        </section>
      </div>
      {iteration && (
        <section class="card">
          <IterationPane
            iteration={iteration}
            store={store}
            known={known}
            onOpen={setOpen}
            onShowInTable={() =>
              setQuery({ ...query, runId: iteration.runId, iteration: iteration.iteration })
            }
          />
        </section>
      )}
      <section class="card" aria-labelledby="subcalls-title">
        <h2 id="subcalls-title">Sub-calls</h2>
        <SubcallTable
          store={store}
          providers={detail.providers}
          query={query}
          setQuery={setQuery}
          open={open}
          onOpen={setOpen}
        />
        {open !== null && (
          <SubcallDetail
            runId={id}
            index={open}
            {...(store.rows[open] && known.get(store.rows[open].provider)
              ? { provider: known.get(store.rows[open].provider)! }
              : {})}
            onClose={() => {
              const at = open;
              setOpen(null);
              document.querySelector<HTMLElement>(`.vrow[data-index="${at}"]`)?.focus();
            }}
          />
        )}
      </section>
      <section class="card" aria-labelledby="providers-title">
        <h2 id="providers-title">Providers</h2>
        <ProvidersTable providers={detail.providers} />
      </section>
      <section class="card" aria-labelledby="charts-title">
        <h2 id="charts-title">Charts</h2>
        <RunCharts store={store} providers={detail.providers} />
      </section>
    </article>
  );
}
