/**
 * A run as the API shows it, over @pylon/rlm's incremental RunFold (the same fold the CLI's receipt reads):
 * `apply` adds the records a growing log gained and says what changed (new sub-call rows, iterations, the
 * end), so the detail, the pages and the live stream all come from one state that is never re-read.
 */
import { RunFold as LogFold, type TrajectoryRecord } from "@pylon/rlm";
import type {
  IterationView,
  ProviderTotals,
  RunDetail,
  RunSummary,
  RunTotalsView,
  SubcallFull,
  SubcallRow,
  TreeNode,
} from "../api.js";
import { iterationView, providerTotals, statusOf, subcallRow, toMsat, treeNode } from "./fold-views.js";

export interface FoldChange {
  /** New sub-call rows: [rowsFrom, rowsTo) of the flat list (made into rows only when someone listens). */
  rowsFrom: number;
  rowsTo: number;
  iterations: IterationView[];
  /** The root run ended with this batch. */
  ended: boolean;
}

export class RunFold {
  private readonly fold = new LogFold();
  /** When each iteration ended (ms since the tree's start), parallel to fold.iterations. */
  private readonly iterationEnds: number[] = [];
  /** The same by run and iteration, for old logs' rows, which carry no time of their own. */
  private readonly endsByIteration = new Map<string, number>();
  /** Sum of each run's iteration durations so far: the estimate for logs that do not say when. */
  private readonly elapsed = new Map<string, number>();
  private seenRows = 0;
  private ended = false;

  constructor(
    readonly id: string,
    private readonly names: (pubkey: string) => string | undefined = () => undefined,
  ) {}

  apply(records: TrajectoryRecord[]): FoldChange {
    this.fold.add(records);
    const iterations: IterationView[] = [];
    for (let i = this.iterationEnds.length; i < this.fold.iterations.length; i++) {
      const iteration = this.fold.iterations[i]!;
      const end = iteration.endedAtMs ?? this.estimateEnd(iteration.runId, iteration.durationMs ?? 0);
      this.iterationEnds.push(end);
      this.endsByIteration.set(`${iteration.runId}#${iteration.iteration}`, end);
      iterations.push(iterationView(iteration, end));
    }
    const rowsFrom = this.seenRows;
    this.seenRows = this.fold.subcalls.length;
    const root = this.fold.root;
    const ended = !this.ended && root !== undefined && root.status !== "running";
    if (ended) this.ended = true;
    return { rowsFrom, rowsTo: this.seenRows, iterations, ended };
  }

  get started(): boolean {
    return this.fold.root !== undefined;
  }

  get subcallCount(): number {
    return this.fold.subcalls.length;
  }

  get iterationCount(): number {
    return this.fold.iterations.length;
  }

  iterationsFrom(index: number): IterationView[] {
    const views: IterationView[] = [];
    for (let i = Math.max(0, index); i < this.fold.iterations.length; i++) {
      views.push(iterationView(this.fold.iterations[i]!, this.iterationEnds[i] ?? 0));
    }
    return views;
  }

  summary(now = Date.now()): RunSummary {
    const root = this.root();
    const { totals } = this.fold;
    return {
      id: this.id,
      question: root.question,
      answer: root.answer,
      status: statusOf(root.status),
      subcalls: totals.subcalls,
      failedSubcalls: totals.failed,
      sats: toMsat(totals.sats),
      startedAt: root.startedAt,
      durationMs: root.final ? root.final.durationMs : Math.max(0, now - Date.parse(root.startedAt)),
      models: root.models,
    };
  }

  totals(now = Date.now()): RunTotalsView {
    const root = this.root();
    const { totals } = this.fold;
    return {
      iterations: totals.iterations,
      subcalls: totals.subcalls,
      subcallsAnswered: totals.answered,
      subcallsFailed: totals.failed,
      inputTokens: totals.inputTokens,
      outputTokens: totals.outputTokens,
      sats: toMsat(totals.sats),
      wallMs: this.summary(now).durationMs,
      providers: totals.providers,
      ...(root.budget?.sats !== undefined ? { budgetSats: root.budget.sats } : {}),
    };
  }

  tree(): TreeNode {
    return treeNode(this.fold.runs, this.root().runId);
  }

  providerTotals(): ProviderTotals[] {
    const shown: ProviderTotals[] = [];
    for (const provider of this.fold.providers.values()) {
      // Looked up each time: the market directory may learn a provider's name after the fold saw it.
      const row = providerTotals(provider, this.names(provider.provider));
      if (row) shown.push(row);
    }
    return shown.sort((a, b) => b.jobs - a.jobs || a.provider.localeCompare(b.provider));
  }

  detail(now = Date.now()): RunDetail {
    const context = this.root().context;
    return {
      summary: this.summary(now),
      totals: this.totals(now),
      tree: this.tree(),
      iterations: this.iterationsFrom(0),
      providers: this.providerTotals(),
      context: {
        type: context?.type ?? "str",
        chars: context?.totalChars ?? 0,
        ...(context && context.type !== "str" ? { items: context.parts } : {}),
      },
    };
  }

  page(from: number, to: number): SubcallRow[] {
    const rows: SubcallRow[] = [];
    const end = Math.min(to, this.fold.subcalls.length);
    for (let i = Math.max(0, from); i < end; i++) {
      const call = this.fold.subcalls[i]!;
      rows.push(subcallRow(call, this.endsByIteration.get(`${call.runId}#${call.iteration}`) ?? 0));
    }
    return rows;
  }

  full(index: number): SubcallFull | undefined {
    const call = this.fold.subcalls[index];
    if (!call) return undefined;
    const [row] = this.page(index, index + 1);
    return { ...row!, prompt: call.prompt ?? "", response: call.response ?? "" };
  }

  private root() {
    const root = this.fold.root;
    if (!root) throw new Error(`run ${this.id} has no run record yet`);
    return root;
  }

  /** Old logs: the run's start (relative to its tree's) plus its iterations' durations so far. */
  private estimateEnd(runId: string, durationMs: number): number {
    const elapsed = (this.elapsed.get(runId) ?? 0) + durationMs;
    this.elapsed.set(runId, elapsed);
    const run = this.fold.runs.get(runId);
    let tree = run;
    while (tree?.parentRunId && this.fold.runs.has(tree.parentRunId))
      tree = this.fold.runs.get(tree.parentRunId);
    const offset = run && tree ? Math.max(0, Date.parse(run.startedAt) - Date.parse(tree.startedAt)) : 0;
    return offset + elapsed;
  }
}
