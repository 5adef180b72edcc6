/**
 * The host side of `llm_query` / `llm_batch` / `rlm_query` / `rlm_batch` for one RLM: reserves budget per
 * item, dispatches plain calls to the SubcallBackend under the tree's concurrency cap, starts child RLMs for
 * `rlm_*` when depth allows, logs every item as it finishes, and always answers with one string per prompt.
 */
import type { Reservation } from "../budget/ledger.js";
import type { SubcallRecord } from "../log/records.js";
import type { BridgeRequest, ContextValue, SubcallHandler } from "../sandbox/types.js";
import type { SubcallRequest, SubcallResult } from "../subcalls/types.js";
import { fanOutSignal } from "../util/signals.js";
import { estimateMessageTokens } from "../util/tokens.js";
import { headAndTail } from "../util/truncate.js";
import type { RlmTree, RunTotals } from "./tree.js";

/** The RLM whose code makes the calls. */
export interface SubcallCaller {
  runId: string;
  depth: number;
  totals: RunTotals;
  /** The iteration in progress (its code makes the calls). */
  iteration: number;
  /** Sub-calls of this RLM logged so far (each is logged as it finishes). */
  subcallsLogged: number;
}

export interface ChildOutcome {
  runId: string;
  answer: string | null;
  stoppedBy: string;
  error?: string;
  totals: RunTotals;
  durationMs: number;
}

export type SpawnChild = (
  question: string,
  context: ContextValue,
  depth: number,
  signal: AbortSignal,
) => Promise<ChildOutcome>;

const CHILD_QUESTION_CHARS = 4_000;

interface CallOptions {
  maxTokens: number;
  temperature?: number;
  model?: string;
}

export function subcallHandler(tree: RlmTree, caller: SubcallCaller, spawnChild: SpawnChild): SubcallHandler {
  return async (request, cellSignal) => {
    const stop = fanOutSignal(cellSignal, tree.signal);
    try {
      if (request.kind === "rlm" && caller.depth + 1 < tree.settings.maxDepth) {
        return await childRuns(tree, caller, request, stop.signal, spawnChild);
      }
      return await plainCalls(tree, caller, request, stop.signal);
    } finally {
      stop.dispose();
    }
  };
}

function callOptions(opts: Record<string, unknown>, ceiling: number): CallOptions {
  const options: CallOptions = { maxTokens: ceiling };
  const maxTokens = opts.max_tokens ?? opts.maxTokens;
  if (typeof maxTokens === "number" && Number.isFinite(maxTokens)) {
    options.maxTokens = Math.min(ceiling, Math.max(1, Math.floor(maxTokens)));
  }
  if (typeof opts.temperature === "number" && opts.temperature >= 0 && opts.temperature <= 2) {
    options.temperature = opts.temperature;
  }
  if (typeof opts.model === "string" && opts.model) options.model = opts.model;
  return options;
}

interface PlainItem {
  index: number;
  request: SubcallRequest;
  reservation: Reservation;
}

async function plainCalls(
  tree: RlmTree,
  caller: SubcallCaller,
  request: BridgeRequest,
  signal: AbortSignal,
): Promise<string[]> {
  const depth = caller.depth + 1;
  const options = callOptions(request.opts, tree.settings.subMaxTokens);
  const answers = new Array<string>(request.prompts.length);
  const items: PlainItem[] = [];
  request.prompts.forEach((prompt, index) => {
    const subRequest: SubcallRequest = {
      messages: [{ role: "user", content: prompt }],
      maxTokens: options.maxTokens,
      ...(options.temperature === undefined ? {} : { temperature: options.temperature }),
      ...(options.model === undefined ? {} : { model: options.model }),
      depth,
      runId: caller.runId,
    };
    const reservation = tree.ledger.reserve({
      subcalls: 1,
      tokens: estimateMessageTokens(subRequest.messages) + options.maxTokens,
      sats: tree.sub.estimateCostSats?.(subRequest) ?? 0,
    });
    if (reservation.ok) {
      items.push({ index, request: subRequest, reservation });
      return;
    }
    answers[index] = `Error: ${reservation.message}`;
    logItem(tree, caller, request.kind, prompt, answers[index], undefined);
  });

  const groups: Promise<void>[] = [];
  let next = 0;
  while (next < items.length) {
    let taken: number;
    try {
      taken = await tree.subcallPermits.acquireUpTo(items.length - next, signal);
    } catch {
      for (const item of items.slice(next)) {
        item.reservation.cancel();
        answers[item.index] = "Error: aborted before dispatch";
      }
      break;
    }
    const group = items.slice(next, next + taken);
    next += taken;
    groups.push(
      sendGroup(tree, caller, request.kind, group, answers, signal).finally(() =>
        tree.subcallPermits.release(taken),
      ),
    );
  }
  await Promise.all(groups);
  return answers;
}

/**
 * Sends a group of items, each as its own call to the backend (all in the same tick, so a backend that
 * batches by time still batches them), so each is settled and logged the moment it finishes, not when the
 * group's slowest one does: a live view sees rows as they end.
 */
async function sendGroup(
  tree: RlmTree,
  caller: SubcallCaller,
  kind: "llm" | "rlm",
  group: PlainItem[],
  answers: string[],
  signal: AbortSignal,
): Promise<void> {
  await Promise.all(
    group.map(async (item) => {
      let result: SubcallResult;
      try {
        result = (await tree.sub.complete([item.request], signal))[0] ?? NO_RESULT;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        item.reservation.settle({ tokens: 0, sats: 0 });
        answers[item.index] = `Error: sub-call backend failed (${message})`;
        return;
      }
      item.reservation.settle({
        tokens: result.usage.inputTokens + result.usage.outputTokens,
        sats: result.costSats,
      });
      caller.totals.subcalls++;
      caller.totals.addCall(result.usage, result.costSats);
      const text = result.ok ? result.text : `Error: ${result.error}`;
      answers[item.index] = text;
      logItem(tree, caller, kind, item.request.messages[0]?.content ?? "", text, result);
    }),
  );
}

const NO_RESULT: SubcallResult = {
  ok: false,
  error: "the sub-call backend returned no result for this item",
  provider: "",
  model: "",
  latencyMs: 0,
  costSats: 0,
  usage: { inputTokens: 0, outputTokens: 0 },
};

async function childRuns(
  tree: RlmTree,
  caller: SubcallCaller,
  request: BridgeRequest,
  signal: AbortSignal,
  spawnChild: SpawnChild,
): Promise<string[]> {
  const contexts = request.opts.contexts;
  return await Promise.all(
    request.prompts.map(async (prompt, index) => {
      const explicit = Array.isArray(contexts) ? contexts[index] : request.opts.context;
      const context = explicit ?? prompt;
      if (!isContextValue(context)) {
        return "Error: a child RLM's context must be a str, a list of str or a dict";
      }
      try {
        await tree.childPermits.acquireUpTo(1, signal);
      } catch {
        return "Error: aborted before the child RLM started";
      }
      let child: ChildOutcome;
      try {
        child = await spawnChild(
          childQuestion(prompt, explicit !== undefined),
          context,
          caller.depth + 1,
          signal,
        );
      } finally {
        tree.childPermits.release(1);
      }
      caller.totals.addChild(child.totals);
      const text =
        child.answer ??
        (child.stoppedBy === "budget" && child.error
          ? `Error: ${child.error}`
          : `Error: the child RLM stopped (${child.stoppedBy}) without an answer${child.error ? `: ${child.error}` : ""}`);
      logItem(tree, caller, "rlm", prompt, text, undefined, child);
      return text;
    }),
  );
}

/** Without an explicit context the prompt is the context too; a long one is only quoted as the question. */
function childQuestion(prompt: string, explicitContext: boolean): string {
  if (explicitContext || prompt.length <= CHILD_QUESTION_CHARS) return prompt;
  return `${prompt.slice(0, CHILD_QUESTION_CHARS)}… (the full request is your context; read it there)`;
}

function isContextValue(value: unknown): value is ContextValue {
  if (typeof value === "string") return true;
  if (Array.isArray(value)) return value.every((item) => typeof item === "string");
  return typeof value === "object" && value !== null;
}

function logItem(
  tree: RlmTree,
  caller: SubcallCaller,
  kind: "llm" | "rlm",
  prompt: string,
  response: string,
  result: SubcallResult | undefined,
  child?: ChildOutcome,
): void {
  const limit = tree.settings.logTextChars;
  const record: SubcallRecord = {
    kind,
    depth: caller.depth + 1,
    parentRunId: caller.runId,
    ...(child ? { childRunId: child.runId } : {}),
    prompt: headAndTail(prompt, limit),
    promptChars: prompt.length,
    ok: child ? child.answer !== null : (result?.ok ?? false),
    response: headAndTail(response, limit),
    responseChars: response.length,
    latencyMs: child ? child.durationMs : (result?.latencyMs ?? 0),
    costSats: child ? child.totals.costSats : (result?.costSats ?? 0),
    provider: child ? "rlm" : (result?.provider ?? ""),
    model: child ? tree.models.sub : (result?.model ?? ""),
    usage: child ? child.totals.usage : (result?.usage ?? { inputTokens: 0, outputTokens: 0 }),
    ...(result?.attempts === undefined ? {} : { attempts: result.attempts }),
    ...(result?.hedges === undefined ? {} : { hedges: result.hedges }),
  };
  caller.subcallsLogged++;
  tree.log.subcall({ runId: caller.runId, iteration: caller.iteration, ...record });
}
