/**
 * `POST /v1/chat/completions`: one request from body to reply. The service's answer goes back whole, or as
 * server-sent events when `stream` is set. A streamed reply's headers wait for the first text (or the first
 * heartbeat), so a request refused at once (unknown model, budget, busy) still gets its own HTTP status.
 */
import { randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Completion, CompletionRequest, ModelService } from "../service.js";
import { type BodyLimits, readJsonBody } from "./body.js";
import type { DayBudget } from "./budget.js";
import { costOfFailure, describeError, type HttpError, overBudget, toHttpError, tooBusy } from "./errors.js";
import { sendError, sendJson } from "./http.js";
import { completionBody, deltaChunk, finishChunk, type ReplyHead, usageChunk } from "./replies.js";
import { type ChatRequest, parseChatRequest } from "./request.js";
import { SseStream } from "./sse.js";

export interface ChatContext {
  service: ModelService;
  budget: DayBudget;
  perRequestSats: number;
  perDaySats: number;
  body: BodyLimits;
  heartbeatMs: number;
}

/**
 * What the request log gets: `id` is the service's (its receipt's name) when it answered, else the reply's
 * `chatcmpl-…`. Status 499 (nginx's): the client went away before the reply was complete.
 */
export interface ChatOutcome {
  id: string;
  model: string;
  status: number;
  costSats: number;
  error?: string;
}

export async function handleChat(
  req: IncomingMessage,
  res: ServerResponse,
  ctx: ChatContext,
): Promise<ChatOutcome> {
  const head: ReplyHead = {
    id: `chatcmpl-${randomBytes(12).toString("base64url")}`,
    created: Math.floor(Date.now() / 1000),
    model: "",
  };
  // The client went away (aborted, socket closed) before the reply was complete: stop the service's work.
  const gone = new AbortController();
  res.on("close", () => {
    if (!res.writableFinished) gone.abort(new Error("the client closed the connection"));
  });
  const outcome = (status: number, costSats: number, error?: string): ChatOutcome => ({
    id: head.id,
    model: head.model,
    status: gone.signal.aborted ? 499 : status,
    costSats,
    ...(error === undefined ? {} : { error }),
  });

  let request: ChatRequest;
  try {
    request = parseChatRequest(await readJsonBody(req, ctx.body));
  } catch (error) {
    const reply = toHttpError(error);
    sendError(req, res, reply);
    return outcome(reply.status, 0, describeError(error));
  }
  head.model = request.model;

  if (gone.signal.aborted) return outcome(499, 0, "the client went away before the request started");
  const allowance = ctx.budget.hold();
  if (allowance <= 0) {
    const reply = noAllowance(ctx);
    sendError(req, res, reply);
    return outcome(reply.status, 0, reply.message);
  }

  const stream = request.stream
    ? new ChatStream(res, head, request.includeUsage, ctx.heartbeatMs)
    : undefined;
  const serviceRequest: CompletionRequest = {
    model: request.model,
    messages: request.messages,
    budgetSats: allowance,
    signal: gone.signal,
    ...(request.maxTokens === undefined ? {} : { maxTokens: request.maxTokens }),
    ...(request.temperature === undefined ? {} : { temperature: request.temperature }),
    ...(request.stop === undefined ? {} : { stop: request.stop }),
    ...(request.context === undefined ? {} : { context: request.context }),
    ...(stream ? { onText: (delta: string) => stream.text(delta) } : {}),
  };

  // Through a promise even if complete() throws synchronously: the heartbeat must always be stopped.
  const result = await Promise.resolve()
    .then(() => ctx.service.complete(serviceRequest))
    .then(
      (completion) => ({ completion }),
      (error: unknown) => ({ error }),
    );
  stream?.stopHeartbeat();
  if ("error" in result) {
    const costSats = costOfFailure(result.error);
    await settle(ctx, allowance, costSats);
    const reply = toHttpError(result.error);
    if (!stream?.fail(reply)) sendError(req, res, reply);
    return outcome(reply.status, costSats, describeError(result.error));
  }
  const { completion } = result;
  const ledgerError = await settle(ctx, allowance, completion.costSats);
  if (stream) stream.finish(completion);
  else sendJson(res, 200, completionBody(head, completion));
  return { ...outcome(200, completion.costSats, ledgerError), id: completion.id };
}

/**
 * Why a request gets nothing to spend: the budget is spent (402, until the day renews), or what is left is
 * held by requests still running (429: some of it may come back when they finish).
 */
function noAllowance(ctx: ChatContext): HttpError {
  if (ctx.perRequestSats <= 0)
    return overBudget("The per-request budget is 0 sats: no request can be paid for.");
  if (ctx.budget.spentSats >= ctx.perDaySats) {
    return overBudget(
      `Today's budget of ${ctx.perDaySats} sats is spent (${ctx.budget.spentSats} sats); it renews at 00:00 UTC.`,
    );
  }
  return tooBusy("What is left of today's budget is held by running requests; retry when they finish.", 1);
}

/** Adds the cost to today's spend; a ledger that cannot be written is logged, never fails the reply. */
async function settle(ctx: ChatContext, allowance: number, costSats: number): Promise<string | undefined> {
  try {
    await ctx.budget.settle(allowance, costSats);
    return undefined;
  } catch (error) {
    return `budget ledger not written: ${describeError(error)}`;
  }
}

/** One streamed reply: role chunk, text deltas, finish chunk, usage chunk, [DONE] — or an error event. */
class ChatStream {
  readonly #sse: SseStream;
  #sent = "";
  #done = false;
  readonly #heartbeat: NodeJS.Timeout;

  constructor(
    res: ServerResponse,
    private readonly head: ReplyHead,
    private readonly includeUsage: boolean,
    heartbeatMs: number,
  ) {
    this.#sse = new SseStream(res);
    this.#heartbeat = setInterval(() => {
      this.#open();
      this.#sse.comment("keep-alive");
    }, heartbeatMs);
  }

  text(delta: string): void {
    if (this.#done || delta === "") return;
    this.#open();
    this.#sent += delta;
    this.#sse.send(deltaChunk(this.head, { content: delta }, this.includeUsage));
  }

  stopHeartbeat(): void {
    clearInterval(this.#heartbeat);
  }

  /** The rest of the answer (all of it when the service did not stream), then the closing chunks. */
  finish(completion: Completion): void {
    this.#open();
    if (completion.text.startsWith(this.#sent) && completion.text.length > this.#sent.length) {
      this.text(completion.text.slice(this.#sent.length));
    }
    this.#done = true;
    this.#sse.send(finishChunk(this.head, completion, this.includeUsage));
    if (this.includeUsage) this.#sse.send(usageChunk(this.head, completion));
    this.#sse.send("[DONE]");
    this.#sse.end();
  }

  /**
   * After the stream started, a failure is an error event (OpenAI's SDKs raise `data: {"error": …}` as an
   * APIError) and true; before, false: the caller sends an ordinary error reply with its status.
   */
  fail(error: HttpError): boolean {
    this.#done = true;
    if (!this.#sse.started) return false;
    this.#sse.send(error.body());
    this.#sse.end();
    return true;
  }

  #open(): void {
    if (this.#sse.started) return;
    this.#sse.start();
    this.#sse.send(deltaChunk(this.head, { role: "assistant", content: "" }, this.includeUsage));
  }
}
