/**
 * One reply of an RLM's own model: the root Backend at depth 0, the SubcallBackend below (so child RLMs run
 * on the sub model, and on the market when the sub model is the swarm). Budgeted like any other call.
 */
import type { Backend, ChatMessage } from "@pylon/inference";
import type { Reservation } from "../budget/ledger.js";
import type { SubcallBackend, SubcallRequest, SubcallResult, SubcallUsage } from "../subcalls/types.js";
import { estimateMessageTokens } from "../util/tokens.js";
import { isBackend } from "./settings.js";
import type { RlmTree, RunTotals } from "./tree.js";

export interface TurnReply {
  ok: true;
  text: string;
  usage: SubcallUsage;
  latencyMs: number;
  costSats: number;
  provider: string;
  model: string;
}

export interface TurnStop {
  ok: false;
  reason: "budget" | "error" | "aborted";
  message: string;
}

const STOPPED: TurnStop = { ok: false, reason: "aborted", message: "the run was stopped" };

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Who is asking: an RLM at `depth`, stopped by `signal` (the tree's, or its parent cell's). */
export interface TurnCaller {
  depth: number;
  runId: string;
  signal: AbortSignal;
  totals: RunTotals;
}

export async function modelTurn(
  tree: RlmTree,
  caller: TurnCaller,
  messages: ChatMessage[],
): Promise<TurnReply | TurnStop> {
  const { depth, runId, totals } = caller;
  const { settings } = tree;
  const request: SubcallRequest = {
    messages,
    maxTokens: settings.rootMaxTokens,
    ...(settings.temperature === undefined ? {} : { temperature: settings.temperature }),
    depth,
    runId,
  };
  const onMarket = depth === 0 && !isBackend(tree.root);
  if (onMarket) Object.assign(request, { purpose: "root", affinity: `root:${runId}` });
  const paidBy = depth > 0 ? tree.sub : isBackend(tree.root) ? undefined : tree.root;
  const reservation = tree.ledger.reserve({
    iterations: 1,
    subcalls: depth > 0 ? 1 : 0,
    tokens: estimateMessageTokens(messages) + settings.rootMaxTokens,
    sats: paidBy?.estimateCostSats?.(request) ?? 0,
  });
  if (!reservation.ok) return { ok: false, reason: "budget", message: reservation.message };
  totals.iterations++;
  if (depth > 0) totals.subcalls++;
  const turn = depth > 0 ? subTurn : onMarket ? rootCallTurn : rootTurn;
  return await turn(tree, request, reservation, caller);
}

/** One reserved turn on one kind of model; settles `reservation` whatever happens. */
type Turn = (
  tree: RlmTree,
  request: SubcallRequest,
  reservation: Reservation,
  caller: TurnCaller,
) => Promise<TurnReply | TurnStop>;

const rootTurn: Turn = async (tree, request, reservation, { signal, totals }) => {
  const started = performance.now();
  const root = tree.root as Backend;
  try {
    const result = await root.generate(
      {
        messages: request.messages,
        maxTokens: request.maxTokens,
        ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
      },
      { signal },
    );
    reservation.settle({ tokens: result.usage.inputTokens + result.usage.outputTokens, sats: 0 });
    totals.addCall(result.usage, 0);
    if (result.finishReason === "abort") return STOPPED;
    if (result.finishReason === "error") {
      return {
        ok: false,
        reason: "error",
        message: `root model failed: ${result.error?.message ?? "unknown"}`,
      };
    }
    return {
      ok: true,
      text: result.text,
      usage: { ...result.usage },
      latencyMs: performance.now() - started,
      costSats: 0,
      provider: root.info().name,
      model: result.model,
    };
  } catch (error) {
    reservation.settle({ tokens: 0, sats: 0 });
    if (signal.aborted) return STOPPED;
    return { ok: false, reason: "error", message: `root model failed: ${describe(error)}` };
  }
};

const subTurn: Turn = async (tree, request, reservation, caller) => {
  try {
    await tree.subcallPermits.acquireUpTo(1, caller.signal);
  } catch {
    reservation.cancel();
    return STOPPED;
  }
  try {
    return await callTurn(tree.sub, "sub model", request, reservation, caller);
  } finally {
    tree.subcallPermits.release(1);
  }
};

/** A root turn on a SubcallBackend (the market): one call, outside the sub-call permits. */
const rootCallTurn: Turn = (tree, request, reservation, caller) =>
  callTurn(tree.root as SubcallBackend, "root model", request, reservation, caller);

async function callTurn(
  backend: SubcallBackend,
  what: string,
  request: SubcallRequest,
  reservation: Reservation,
  { signal, totals }: TurnCaller,
): Promise<TurnReply | TurnStop> {
  let result: SubcallResult | undefined;
  try {
    result = (await backend.complete([request], signal))[0];
  } catch (error) {
    // The contract makes failures values; a backend that throws anyway fails this turn, not the tree.
    reservation.settle({ tokens: 0, sats: 0 });
    return { ok: false, reason: "error", message: `${what} failed: ${describe(error)}` };
  }
  if (!result) {
    reservation.settle({ tokens: 0, sats: 0 });
    return { ok: false, reason: "error", message: `${what} returned no result` };
  }
  reservation.settle({ tokens: result.usage.inputTokens + result.usage.outputTokens, sats: result.costSats });
  totals.addCall(result.usage, result.costSats);
  if (!result.ok) {
    if (signal.aborted) return STOPPED;
    return { ok: false, reason: "error", message: `${what} failed: ${result.error}` };
  }
  const { text, usage, latencyMs, costSats, provider, model } = result;
  return { ok: true, text, usage, latencyMs, costSats, provider, model };
}
