/**
 * A run folded from its log, incrementally: `apply` takes the records appended since the last call and says
 * what changed (new sub-call rows, iterations, the end), so the detail, the pages and the live stream all come
 * from one state that grows with the file instead of a re-read.
 */

import type { FinalRecord, RunRecord, SubcallRecord } from "@pylon/rlm";
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
import { iterationView, statusOf, subcallRow } from "./fold-views.js";
import type { IterationLine, LogRecord, SubcallLine } from "./log-records.js";
import { npubOf } from "./npub.js";

interface RunState {
  record: RunRecord;
  final?: FinalRecord;
  /** ms between the root's start and this run's. */
  offsetMs: number;
  /** Sum of its iterations' durations so far: when its last iteration ended, relative to its start. */
  elapsedMs: number;
  iterations: number;
  subcalls: number;
  /** Its own spending: its turns and its plain sub-calls (children count their own). */
  sats: number;
  children: string[];
}

export interface FoldChange {
  rows: SubcallRow[];
  iterations: IterationView[];
  /** The root run ended with this batch. */
  ended: boolean;
}

export class RunFold {
  private rootId: string | undefined;
  private readonly runs = new Map<string, RunState>();
  private readonly iterations: IterationView[] = [];
  private readonly rows: SubcallRow[] = [];
  private readonly texts: Array<{ prompt: string; response: string }> = [];
  private readonly providers = new Map<string, ProviderTotals>();
  /** Sub-calls of the new format seen per run and iteration, before their iteration line. */
  private readonly ranges = new Map<string, { first: number; count: number }>();
  private inputTokens = 0;
  private outputTokens = 0;
  private sats = 0;
  private failed = 0;

  constructor(
    readonly id: string,
    private readonly names: (pubkey: string) => string | undefined = () => undefined,
  ) {}

  apply(records: LogRecord[]): FoldChange {
    const change: FoldChange = { rows: [], iterations: [], ended: false };
    for (const record of records) {
      if (record.type === "run") this.run(record);
      else if (record.type === "subcall") change.rows.push(this.subcallLine(record));
      else if (record.type === "iteration") this.iteration(record, change);
      else if (record.type === "final") {
        const run = this.runs.get(record.runId);
        if (run) run.final = record;
        if (record.runId === this.rootId) change.ended = true;
      }
    }
    return change;
  }

  get started(): boolean {
    return this.rootId !== undefined;
  }

  get subcallCount(): number {
    return this.rows.length;
  }

  get iterationCount(): number {
    return this.iterations.length;
  }

  iterationsFrom(index: number): IterationView[] {
    return this.iterations.slice(Math.max(0, index));
  }

  summary(now = Date.now()): RunSummary {
    const root = this.root();
    const startedAtMs = Date.parse(root.record.startedAt);
    return {
      id: this.id,
      question: root.record.question,
      answer: root.final?.answer ?? null,
      status: statusOf(root.final?.stoppedBy),
      subcalls: this.rows.length,
      failedSubcalls: this.failed,
      sats: toMsat(this.sats),
      startedAt: root.record.startedAt,
      durationMs: root.final ? root.final.durationMs : Math.max(0, now - startedAtMs),
      models: root.record.models,
    };
  }

  totals(now = Date.now()): RunTotalsView {
    const root = this.root();
    return {
      iterations: this.iterations.length,
      subcalls: this.rows.length,
      subcallsAnswered: this.rows.length - this.failed,
      subcallsFailed: this.failed,
      inputTokens: this.inputTokens,
      outputTokens: this.outputTokens,
      sats: toMsat(this.sats),
      wallMs: this.summary(now).durationMs,
      providers: this.providers.size,
      ...(root.record.budget?.sats !== undefined ? { budgetSats: root.record.budget.sats } : {}),
    };
  }

  tree(): TreeNode {
    return this.node(this.rootId!);
  }

  providerTotals(): ProviderTotals[] {
    return [...this.providers.values()]
      .map((p) => ({ ...p, sats: toMsat(p.sats) }))
      .sort((a, b) => b.jobs - a.jobs);
  }

  detail(now = Date.now()): RunDetail {
    const context = this.root().record.context;
    return {
      summary: this.summary(now),
      totals: this.totals(now),
      tree: this.tree(),
      iterations: this.iterations.slice(),
      providers: this.providerTotals(),
      context: {
        type: context?.type ?? "str",
        chars: context?.totalChars ?? 0,
        ...(context && context.type !== "str" ? { items: context.parts } : {}),
      },
    };
  }

  page(from: number, to: number): SubcallRow[] {
    return this.rows.slice(Math.max(0, from), Math.max(0, Math.min(to, this.rows.length)));
  }

  full(index: number): SubcallFull | undefined {
    const row = this.rows[index];
    const text = this.texts[index];
    return row && text ? { ...row, ...text } : undefined;
  }

  private root(): RunState {
    const root = this.rootId === undefined ? undefined : this.runs.get(this.rootId);
    if (!root) throw new Error(`run ${this.id} has no run record yet`);
    return root;
  }

  private run(record: RunRecord): void {
    if (this.runs.has(record.runId)) return; // a resumed run writes its run line again
    const root = this.rootId === undefined ? undefined : this.runs.get(this.rootId);
    const offsetMs = root ? Math.max(0, Date.parse(record.startedAt) - Date.parse(root.record.startedAt)) : 0;
    this.runs.set(record.runId, {
      record,
      offsetMs,
      elapsedMs: 0,
      iterations: 0,
      subcalls: 0,
      sats: 0,
      children: [],
    });
    if (this.rootId === undefined && record.parentRunId === null) this.rootId = record.runId;
    else if (this.rootId === undefined) this.rootId = record.runId;
    if (record.parentRunId) this.runs.get(record.parentRunId)?.children.push(record.runId);
  }

  private iteration(record: IterationLine, change: FoldChange): void {
    const run = this.runs.get(record.runId);
    if (run) {
      run.iterations++;
      run.elapsedMs += record.durationMs ?? 0;
    }
    const endedAtMs = Math.round((run?.offsetMs ?? 0) + (run?.elapsedMs ?? 0));
    const first = this.rows.length;
    for (const sub of record.subcalls) {
      change.rows.push(this.addRow(sub, { runId: record.runId, iteration: record.iteration, endedAtMs }));
    }
    const key = `${record.runId}#${record.iteration}`;
    const range =
      record.subcalls.length > 0
        ? { first, count: record.subcalls.length }
        : (record.subcallRange ?? this.ranges.get(key) ?? { first, count: 0 });
    this.ranges.delete(key);
    this.usage(record.usage, record.modelCostSats ?? 0, run);
    // A root on the market: its turns are paid jobs of a provider (a local root's model is no provider).
    if (record.modelProvider && /^[0-9a-f]{64}$/.test(record.modelProvider))
      this.provider(record.modelProvider, true, record.modelCostSats ?? 0, record.usage);
    const view = iterationView(record, range, endedAtMs);
    this.iterations.push(view);
    change.iterations.push(view);
  }

  private subcallLine(record: SubcallLine): SubcallRow {
    const key = `${record.runId}#${record.iteration}`;
    const range = this.ranges.get(key) ?? { first: this.rows.length, count: 0 };
    range.count++;
    this.ranges.set(key, range);
    return this.addRow(record, {
      runId: record.runId,
      iteration: record.iteration,
      endedAtMs: record.endedAtMs,
    });
  }

  private addRow(
    record: SubcallRecord,
    place: { runId: string; iteration: number; endedAtMs: number },
  ): SubcallRow {
    const row = subcallRow(record, { index: this.rows.length, ...place });
    this.rows.push(row);
    this.texts.push({ prompt: record.prompt ?? "", response: record.response ?? "" });
    if (!row.ok) this.failed++;
    const run = this.runs.get(place.runId);
    if (run) run.subcalls++;
    // A child RLM's item repeats its whole tree's totals, which its own lines already count.
    if (record.kind === "llm") {
      this.usage(record.usage, row.costSats, run);
      if (row.provider) this.provider(row.provider, row.ok, row.costSats, record.usage);
    }
    return row;
  }

  private usage(
    usage: { inputTokens: number; outputTokens: number } | undefined,
    sats: number,
    run?: RunState,
  ): void {
    this.inputTokens += usage?.inputTokens ?? 0;
    this.outputTokens += usage?.outputTokens ?? 0;
    this.sats += sats;
    if (run) run.sats += sats;
  }

  private provider(
    key: string,
    ok: boolean,
    sats: number,
    usage?: { inputTokens: number; outputTokens: number },
  ): void {
    let totals = this.providers.get(key);
    if (!totals) {
      const name = this.names(key);
      const npub = npubOf(key);
      totals = {
        provider: key,
        ...(name ? { name } : {}),
        ...(npub ? { npub } : {}),
        jobs: 0,
        failed: 0,
        sats: 0,
        tokens: 0,
      };
      this.providers.set(key, totals);
    }
    totals.jobs++;
    if (!ok) totals.failed++;
    totals.sats += sats;
    totals.tokens += (usage?.inputTokens ?? 0) + (usage?.outputTokens ?? 0);
  }

  private node(runId: string): TreeNode {
    const run = this.runs.get(runId)!;
    const children = run.children.map((child) => this.node(child));
    return {
      runId,
      parentRunId: run.record.parentRunId,
      depth: run.record.depth,
      question: run.record.question,
      answer: run.final?.answer ?? null,
      status: statusOf(run.final?.stoppedBy),
      iterations: run.iterations,
      subcalls: run.subcalls,
      sats: toMsat(run.sats + children.reduce((sum, child) => sum + child.sats, 0)),
      children,
    };
  }
}

/** Sums of fractional sats, to the msat (floating-point sums otherwise show as 307.48999999999995). */
function toMsat(sats: number): number {
  return Math.round(sats * 1000) / 1000;
}
