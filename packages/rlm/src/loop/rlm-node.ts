/**
 * One RLM of a tree (the root, or a child started by `rlm_query`): its own REPL holding `context`, its own
 * conversation, its iteration cap and forced final call. Budget, log, models and caps come from the tree.
 */
import type { ChatMessage } from "@pylon/inference";
import type { CodeBlockRecord, StoppedBy } from "../log/records.js";
import type { CellResult, ContextValue, FinalAnswer } from "../sandbox/types.js";
import { newRunId } from "../util/ids.js";
import { headAndTail } from "../util/truncate.js";
import { parseReply } from "./code-blocks.js";
import { type ContextMetadata, describeContext, renderContextMetadata } from "./context-metadata.js";
import { findTextFinal } from "./final-text.js";
import { conversationWindow } from "./history.js";
import { type BlockRun, feedbackMessage, forcedFinalMessage, openingMessage } from "./messages.js";
import { modelTurn, type TurnReply, type TurnStop } from "./model-turn.js";
import type { SandboxLease } from "./sandbox-pool.js";
import { type ChildOutcome, subcallHandler } from "./subcall-router.js";
import { systemPrompt } from "./system-prompt.js";
import { type RlmTree, RunTotals } from "./tree.js";

export interface NodeRun {
  question: string;
  context: ContextValue;
  depth: number;
  parentRunId: string | null;
  /** The tree's signal, or for a child also its parent cell's. */
  signal: AbortSignal;
}

export interface NodeOutcome extends ChildOutcome {
  stoppedBy: StoppedBy;
  /** This RLM's own replies (children not included; `totals.iterations` has the whole subtree). */
  iterations: number;
}

interface Ending {
  answer: string | null;
  stoppedBy: StoppedBy;
  error?: string;
}

class Stopped extends Error {}

export class RlmNode {
  readonly runId = newRunId();
  readonly totals = new RunTotals();
  /** The iteration in progress, and this RLM's sub-calls logged so far (the router counts them). */
  iteration = 0;
  subcallsLogged = 0;
  private iterationFirstSubcall = 0;
  private lease: SandboxLease | undefined;
  private discardSandbox = false;
  private iterations = 0;
  private variables: string[] = [];
  private readonly startedAt = performance.now();

  constructor(
    private readonly tree: RlmTree,
    private readonly run: NodeRun,
  ) {}

  get depth(): number {
    return this.run.depth;
  }

  get signal(): AbortSignal {
    return this.run.signal;
  }

  async execute(): Promise<NodeOutcome> {
    const metadata = describeContext(this.run.context);
    this.tree.log.write({
      type: "run",
      runId: this.runId,
      parentRunId: this.run.parentRunId,
      depth: this.depth,
      question: this.run.question,
      models: this.tree.models,
      budget: this.tree.ledger.limits,
      maxIterations: this.tree.settings.maxIterations,
      maxDepth: this.tree.settings.maxDepth,
      context: metadata,
      startedAt: new Date().toISOString(),
    });
    let ending: Ending;
    try {
      ending = await this.loop(metadata);
    } catch (error) {
      ending = this.signal.aborted
        ? { answer: null, stoppedBy: this.stopReason() }
        : { answer: null, stoppedBy: "error", error: error instanceof Error ? error.message : String(error) };
    } finally {
      await this.lease?.release({ discard: this.discardSandbox });
    }
    const durationMs = performance.now() - this.startedAt;
    this.tree.log.write({
      type: "final",
      runId: this.runId,
      parentRunId: this.run.parentRunId,
      depth: this.depth,
      answer: ending.answer,
      stoppedBy: ending.stoppedBy,
      ...(ending.error ? { error: ending.error } : {}),
      iterations: this.iterations,
      totals: {
        iterations: this.totals.iterations,
        subcalls: this.totals.subcalls,
        tokens: this.totals.inputTokens + this.totals.outputTokens,
        sats: this.totals.costSats,
        usage: this.totals.usage,
      },
      durationMs,
      finishedAt: new Date().toISOString(),
    });
    return { runId: this.runId, ...ending, iterations: this.iterations, totals: this.totals, durationMs };
  }

  private async loop(metadata: ContextMetadata): Promise<Ending> {
    const { settings } = this.tree;
    this.lease = await this.tree.pool.acquire(
      subcallHandler(this.tree, this, (question, context, depth, signal) =>
        new RlmNode(this.tree, { question, context, depth, parentRunId: this.runId, signal }).execute(),
      ),
    );
    await this.unlessStopped(this.lease.sandbox.setContext(this.run.context));
    const messages: ChatMessage[] = [
      {
        role: "system",
        content: systemPrompt({
          canRecurse: this.depth + 1 < settings.maxDepth,
          subcallChars: settings.subcallChars,
          outputChars: settings.outputChars,
          maxIterations: settings.maxIterations,
        }),
      },
      { role: "user", content: openingMessage(this.run.question, renderContextMetadata(metadata)) },
    ];
    for (let iteration = 1; iteration <= settings.maxIterations; iteration++) {
      if (this.signal.aborted) return { answer: null, stoppedBy: this.stopReason() };
      const turn = await this.turn(messages);
      if (!turn.ok) return this.endFromTurn(turn);
      const step = await this.step(turn, iteration, settings.maxIterations - iteration);
      if (step.final !== undefined) return { answer: step.final, stoppedBy: "final" };
      messages.push({ role: "assistant", content: turn.text }, { role: "user", content: step.feedback });
    }
    return await this.forcedFinal(messages);
  }

  private async turn(messages: ChatMessage[]): Promise<TurnReply | TurnStop> {
    const turn = await modelTurn(
      this.tree,
      this,
      conversationWindow(messages, this.tree.settings.maxHistoryChars),
    );
    if (turn.ok) this.iterations++;
    return turn;
  }

  /** Runs the reply's blocks, then looks for a final answer: from code first, then FINAL / FINAL_VAR in text. */
  private async step(
    turn: TurnReply,
    iteration: number,
    iterationsLeft: number,
  ): Promise<{ final?: string; feedback: string }> {
    const started = performance.now();
    this.beginIteration(iteration);
    const parsed = parseReply(turn.text);
    const runs: BlockRun[] = [];
    let final: FinalAnswer | undefined;
    let skipped = 0;
    for (const [index, block] of parsed.blocks.entries()) {
      const result = await this.runCell(block.code);
      runs.push({ block, result });
      if (result.final) {
        final = result.final;
        skipped = parsed.blocks.length - index - 1;
        break;
      }
    }
    let finalProblem: string | undefined;
    if (!final) ({ final, problem: finalProblem } = await this.textFinal(parsed.prose));
    this.writeIteration(iteration, false, turn, runs, final, finalProblem, started);
    if (final) return { final: final.content, feedback: "" };
    const feedback = feedbackMessage({
      runs,
      skipped,
      unclosed: parsed.unclosed,
      variables: this.variables,
      outputChars: this.tree.settings.outputChars,
      question: this.run.question,
      ...(finalProblem ? { finalProblem } : {}),
      iterationsLeft,
    });
    return { feedback };
  }

  /** FINAL(text) is the answer as written; FINAL_VAR(name) asks the REPL for the variable's value. */
  private async textFinal(prose: string): Promise<{ final?: FinalAnswer; problem?: string }> {
    const found = findTextFinal(prose);
    if (!found) return {};
    if (found.kind === "FINAL") return { final: { content: found.content, source: "FINAL" } };
    const result = await this.runCell(`FINAL_VAR(${JSON.stringify(found.name)})`);
    if (result.final) return { final: result.final };
    const why = result.error ? `${result.error.type}: ${result.error.message}` : "it produced no answer";
    return { problem: `FINAL_VAR(${found.name}) was not accepted (${why}). The run continues.` };
  }

  /** The one extra call after the iteration cap: its FINAL, its FINAL_VAR, or else its text is the answer. */
  private async forcedFinal(messages: ChatMessage[]): Promise<Ending> {
    if (this.signal.aborted) return { answer: null, stoppedBy: this.stopReason() };
    const started = performance.now();
    const last = messages[messages.length - 1]!;
    last.content = `${last.content}\n\n${forcedFinalMessage(this.tree.settings.maxIterations)}`;
    this.beginIteration(this.iterations + 1);
    const turn = await this.turn(messages);
    if (!turn.ok) return this.endFromTurn(turn);
    const parsed = parseReply(turn.text);
    const { final, problem } = await this.textFinal(parsed.prose);
    const answer = final?.content ?? (parsed.prose.trim() || turn.text.trim());
    this.writeIteration(
      this.iterations,
      true,
      turn,
      [],
      { content: answer, source: final?.source ?? "forced" },
      problem,
      started,
    );
    return { answer, stoppedBy: "max-iterations" };
  }

  private async runCell(code: string): Promise<CellResult> {
    const result = await this.unlessStopped(this.lease!.sandbox.run(code));
    this.variables = result.variables; // empty after a restart: the variables are gone
    return result;
  }

  /** Waits for `work` unless the run is stopped first; then the REPL (mid-cell, maybe) is thrown away. */
  private unlessStopped<T>(work: Promise<T>): Promise<T> {
    if (this.signal.aborted) {
      this.discardSandbox = true;
      work.catch(() => undefined);
      return Promise.reject(new Stopped());
    }
    return new Promise<T>((resolve, reject) => {
      const onAbort = () => {
        this.discardSandbox = true;
        reject(new Stopped());
      };
      this.signal.addEventListener("abort", onAbort, { once: true });
      work.then(resolve, reject).finally(() => this.signal.removeEventListener("abort", onAbort));
    });
  }

  private endFromTurn(turn: TurnStop): Ending {
    if (turn.reason === "aborted") return { answer: null, stoppedBy: this.stopReason() };
    return { answer: null, stoppedBy: turn.reason, error: turn.message };
  }

  private stopReason(): StoppedBy {
    return this.tree.stopReason() ?? "aborted";
  }

  private beginIteration(iteration: number): void {
    this.iteration = iteration;
    this.iterationFirstSubcall = this.subcallsLogged;
  }

  private writeIteration(
    iteration: number,
    forced: boolean,
    turn: TurnReply,
    runs: BlockRun[],
    final: { content: string; source: string } | undefined,
    note: string | undefined,
    started: number,
  ): void {
    const limit = this.tree.settings.logTextChars;
    const codeBlocks: CodeBlockRecord[] = runs.map(({ block, result }) => ({
      code: block.code,
      stdout: headAndTail(result.stdout, limit),
      stderr: headAndTail(result.stderr, limit),
      ...(result.error ? { error: { type: result.error.type, message: result.error.message } } : {}),
      ...(result.final ? { final: result.final } : {}),
      ...(result.restarted ? { restarted: true } : {}),
      durationMs: result.durationMs,
    }));
    this.tree.log.write({
      type: "iteration",
      runId: this.runId,
      parentRunId: this.run.parentRunId,
      depth: this.depth,
      iteration,
      forced,
      modelOutput: turn.text,
      usage: turn.usage,
      modelLatencyMs: turn.latencyMs,
      ...(turn.provider ? { modelProvider: turn.provider } : {}),
      ...(turn.costSats > 0 ? { modelCostSats: turn.costSats } : {}),
      codeBlocks,
      subcalls: [],
      subcallRange: {
        first: this.iterationFirstSubcall,
        count: this.subcallsLogged - this.iterationFirstSubcall,
      },
      ...(final ? { final } : {}),
      ...(note ? { note } : {}),
      durationMs: performance.now() - started,
      endedAtMs: this.tree.log.elapsedMs(),
    });
  }
}
