/**
 * A trajectory log folded into what people look at: the run tree, every iteration, the sub-calls flat in finish
 * order, totals and per-provider figures. Incremental: `add` takes the records a live log gained since the last
 * call (TrajectoryTail), so a viewer never folds the whole log twice; each record costs O(1). Subcall
 * lines become rows as they are (not copied): the fold owns the records it is given.
 */
import type {
  FoldedIteration,
  FoldedRun,
  FoldedSubcall,
  FoldTotals,
  OwnCounts,
  ProviderFold,
} from "./fold-types.js";
import type { FinalRecord, IterationRecord, RunRecord, SubcallLine, TrajectoryRecord } from "./records.js";

export class RunFold {
  /** Every RLM of the log by run id (a resumed run's log holds one tree per invocation). */
  readonly runs = new Map<string, FoldedRun>();
  /** Run ids of the trees' roots (no parent in this log), in log order. */
  readonly roots: string[] = [];
  /** Every iteration, in log order. */
  readonly iterations: FoldedIteration[] = [];
  /** The sub-call rows, flat (empty with `rows: false`; the indices elsewhere still count them). */
  readonly subcalls: FoldedSubcall[] = [];
  readonly providers = new Map<string, ProviderFold>();
  readonly totals: FoldTotals = {
    iterations: 0,
    subcalls: 0,
    answered: 0,
    failed: 0,
    inputTokens: 0,
    outputTokens: 0,
    sats: 0,
    wallMs: 0,
    providers: 0,
  };
  private rowCount = 0;
  /** Wall time of the trees that ended, and the latest time the running tree's lines report. */
  private endedTreesMs = 0;
  private treeClockMs = 0;
  private readonly keepRows: boolean;
  /** Sub-call indices per run and iteration, filled before (new logs) or with (old logs) the iteration line. */
  private readonly byIteration = new Map<string, Map<number, number[]>>();

  /**
   * `rows: false` keeps the counts, trees and indices but not the rows themselves (their prompts and replies):
   * for a receipt of a long run, whose rows could take gigabytes.
   */
  constructor(options: { rows?: boolean } = {}) {
    this.keepRows = options.rows ?? true;
  }

  /** The latest tree's root: what the log answered last (undefined before its first line). */
  get root(): FoldedRun | undefined {
    const id = this.roots[this.roots.length - 1];
    return id === undefined ? undefined : this.runs.get(id);
  }

  add(records: Iterable<TrajectoryRecord>): this {
    for (const record of records) {
      if (record.type === "subcall") this.addRow(this.rowOf(record));
      else if (record.type === "iteration") this.addIteration(record);
      else if (record.type === "run") this.addRun(record);
      else if (record.type === "final") this.addFinal(record);
    }
    return this;
  }

  private addRun(record: RunRecord): void {
    const { type: _, ...fields } = record;
    const run: FoldedRun = {
      ...fields,
      children: [],
      status: "running",
      answer: null,
      iterations: [],
      subcalls: [],
      own: { subcalls: 0, answered: 0, failed: 0, inputTokens: 0, outputTokens: 0, sats: 0 },
    };
    this.runs.set(run.runId, run);
    const parent = record.parentRunId === null ? undefined : this.runs.get(record.parentRunId);
    if (parent) parent.children.push(run.runId);
    else {
      // A new tree (a resumed run's next invocation): one that never ended counts until its last line.
      this.endedTreesMs += this.treeClockMs;
      this.treeClockMs = 0;
      this.roots.push(run.runId);
    }
  }

  /**
   * A subcall line is its own row (no copy: 100,000 of them must fold in well under a second), unless its
   * tree-wide index is not its place in this fold (a log with several trees: a resumed run's).
   */
  private rowOf(line: SubcallLine): FoldedSubcall {
    const index = this.rowCount;
    return line.index === index ? line : { ...line, index };
  }

  private addRow(row: FoldedSubcall): void {
    const { index, runId, endedAtMs } = row;
    this.rowCount++;
    if (this.keepRows) this.subcalls.push(row);
    this.indicesOf(runId, row.iteration).push(index);
    const run = this.runs.get(runId);
    run?.subcalls.push(index);
    this.totals.subcalls++;
    if (row.ok) this.totals.answered++;
    else this.totals.failed++;
    if (endedAtMs !== undefined) this.tick(endedAtMs);
    if (run) count(run.own, row.ok, 1);
    if (row.kind === "rlm") return; // a child's tokens and sats come with the child's own lines
    this.spend(run?.own, row.usage.inputTokens, row.usage.outputTokens, row.costSats);
    if (!row.provider) return;
    const provider = this.provider(row.provider);
    provider.subcalls++;
    if (row.ok) {
      provider.answered++;
      provider.latencyMs += row.latencyMs;
      if (provider.answered === 1) this.totals.providers++;
    } else provider.failed++;
    provider.attempts += row.attempts ?? 0;
    provider.hedges += row.hedges ?? 0;
    addMoney(provider, row.usage.inputTokens, row.usage.outputTokens, row.costSats);
  }

  private addIteration(record: IterationRecord): void {
    // Old logs carry the iteration's sub-calls inline; they become rows here, in iteration order.
    for (const call of record.subcalls) {
      this.addRow({ ...call, index: this.rowCount, runId: record.runId, iteration: record.iteration });
    }
    const { type: _t, subcalls: _s, subcallRange: _r, ...fields } = record;
    const iteration: FoldedIteration = {
      ...fields,
      subcalls: this.indicesOf(record.runId, record.iteration),
    };
    this.iterations.push(iteration);
    this.totals.iterations++;
    const run = this.runs.get(record.runId);
    run?.iterations.push(iteration);
    const cost = record.modelCostSats ?? 0;
    this.spend(run?.own, record.usage.inputTokens, record.usage.outputTokens, cost);
    if (record.endedAtMs !== undefined) this.tick(record.endedAtMs);
    if (!record.modelProvider) return;
    const provider = this.provider(record.modelProvider);
    const { inputTokens, outputTokens } = record.usage;
    if (record.depth === 0) provider.rootTurns++;
    else {
      // A child RLM's turn is a sub-call of the tree's sub model: its provider answered it.
      provider.subcalls++;
      provider.answered++;
      provider.latencyMs += record.modelLatencyMs;
      if (provider.answered === 1) this.totals.providers++;
    }
    addMoney(provider, inputTokens, outputTokens, cost);
  }

  private addFinal(record: FinalRecord): void {
    const run = this.runs.get(record.runId);
    if (!run) return;
    run.status = record.stoppedBy;
    run.answer = record.answer;
    if (record.error !== undefined) run.error = record.error;
    const { totals, durationMs, finishedAt, iterations } = record;
    run.final = { totals, durationMs, finishedAt, iterations };
    if (this.roots.includes(run.runId)) {
      // A tree's own duration, once it ended; a resumed run's log adds up its invocations.
      this.endedTreesMs += Math.round(durationMs);
      this.treeClockMs = 0;
      this.totals.wallMs = this.endedTreesMs;
    }
  }

  private tick(ms: number): void {
    if (ms <= this.treeClockMs) return;
    this.treeClockMs = ms;
    this.totals.wallMs = this.endedTreesMs + ms;
  }

  private spend(own: OwnCounts | undefined, input: number, output: number, sats: number): void {
    this.totals.inputTokens += input;
    this.totals.outputTokens += output;
    this.totals.sats = addSats(this.totals.sats, sats);
    if (!own) return;
    own.inputTokens += input;
    own.outputTokens += output;
    own.sats = addSats(own.sats, sats);
  }

  private indicesOf(runId: string, iteration: number): number[] {
    let run = this.byIteration.get(runId);
    if (!run) {
      run = new Map();
      this.byIteration.set(runId, run);
    }
    let indices = run.get(iteration);
    if (!indices) {
      indices = [];
      run.set(iteration, indices);
    }
    return indices;
  }

  private provider(key: string): ProviderFold {
    let provider = this.providers.get(key);
    if (!provider) {
      provider = {
        provider: key,
        subcalls: 0,
        answered: 0,
        failed: 0,
        rootTurns: 0,
        attempts: 0,
        hedges: 0,
        sats: 0,
        inputTokens: 0,
        outputTokens: 0,
        latencyMs: 0,
      };
      this.providers.set(key, provider);
    }
    return provider;
  }
}

function count(own: OwnCounts, ok: boolean, n: number): void {
  own.subcalls += n;
  if (ok) own.answered += n;
  else own.failed += n;
}

function addMoney(provider: ProviderFold, input: number, output: number, sats: number): void {
  provider.inputTokens += input;
  provider.outputTokens += output;
  provider.sats = addSats(provider.sats, sats);
}

/** Sums at msat precision, so thousands of sub-calls' costs add up to what a receipt rounds to. */
function addSats(sum: number, sats: number): number {
  return sats === 0 ? sum : Math.round((sum + sats) * 1000) / 1000;
}

/** A run folded from its records: what the receipt, `pylon view` and resume need. */
export function foldTrajectory(records: Iterable<TrajectoryRecord>): RunFold {
  return new RunFold().add(records);
}
