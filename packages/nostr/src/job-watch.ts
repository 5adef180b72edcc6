/**
 * One NIP-90 job being followed for the job client: its feedback, its output parts, and how it ends (a complete
 * result, a refusal, an abort or the deadline).
 *
 * Outputs too large for one event arrive in parts (a Pylon extension, see docs/protocol.md):
 * `partial` feedback events carrying `["part", "<n>", "<total>"]`, then the result carrying the last part.
 * The watch reassembles them, so `output` is always the whole text.
 */
import {
  type ConversationKeyCache,
  isStreamPiece,
  type JobFeedback,
  type JobResult,
  Kind,
  type NostrEvent,
  parseJobFeedback,
  parseJobResult,
  readOutputPart,
  readStreamSeq,
  resultKindFor,
} from "@pylon/protocol";
import type { RelayPool } from "./pool.js";
import type { ReplyInbox } from "./reply-inbox.js";
import { StreamOrder } from "./stream-order.js";
import type { PublishResult } from "./types.js";

export interface AwaitOptions {
  /** Whole-job deadline, from publishing to the complete result. Default: the client's (60 s). */
  timeoutMs?: number;
  /** Aborting publishes a kind-5 cancellation (when the request went out) and rejects with code "aborted". */
  signal?: AbortSignal;
  /** Every valid feedback event from an accepted author, in arrival order. */
  onFeedback?: (feedback: JobFeedback) => void;
  /**
   * End at the first `error` or `payment-required` feedback. Default: when the request names a provider
   * (for an open request, another provider may still answer).
   */
  stopOnRefusal?: boolean;
  /**
   * The answer's text as it is generated, for a request that asked for it (`stream: true`) from a provider
   * that streams (docs/protocol.md "Streaming"): pieces in `seq` order, each call continuing the text of the
   * last, from one provider only. They make a prefix of the output; the result stays authoritative. Such
   * pieces are then not reported as feedback.
   */
  onPartial?: (text: string) => void;
  /**
   * Publish the request, and a cancellation, only to these of the pool's relays (where the provider is
   * heard; see PublishOptions.relays). Default: every relay.
   */
  relays?: readonly string[];
}

export interface JobOutcome {
  jobId: string;
  /** The request as published. */
  request: NostrEvent;
  /** Who answered. */
  provider: string;
  /** The result event, parsed and decrypted; its `content` is only the last part when the output was split. */
  result: JobResult;
  /** The whole output, reassembled from its parts when it was split. */
  output: string;
  /** How many events carried the output (1 unless it was split). */
  parts: number;
  /** Feedback received before the result, in arrival order. */
  feedback: JobFeedback[];
}

export type JobFailureCode =
  | "not-published"
  | "timeout"
  | "aborted"
  | "error"
  | "payment-required"
  | "incomplete";

/** A job that did not produce a result; `feedback` holds what the providers said meanwhile. */
export class JobError extends Error {
  override readonly name = "JobError";
  readonly code: JobFailureCode;
  readonly jobId: string;
  readonly feedback: JobFeedback[];
  /** What the provider asked for (payment-required). */
  readonly amountMsats: number | undefined;
  readonly publishResults: PublishResult[] | undefined;

  constructor(
    code: JobFailureCode,
    message: string,
    details: {
      jobId: string;
      feedback?: JobFeedback[];
      amountMsats?: number;
      publishResults?: PublishResult[];
    },
  ) {
    super(message);
    this.code = code;
    this.jobId = details.jobId;
    this.feedback = details.feedback ?? [];
    this.amountMsats = details.amountMsats;
    this.publishResults = details.publishResults;
  }
}
export interface WatchSettings {
  timeoutMs: number;
  publishTimeoutMs: number;
  missingPartsQueryMs: number;
  options: AwaitOptions;
  cancel: (reason: string) => Promise<PublishResult[]>;
}

/** One job being followed: collects feedback and parts until a complete result, a refusal, or the deadline. */
export class JobWatch {
  readonly #pool: RelayPool;
  readonly #inbox: ReplyInbox;
  readonly #keys: ConversationKeyCache;
  readonly #request: NostrEvent;
  readonly #settings: WatchSettings;
  readonly #target: string | undefined;
  readonly #feedback: JobFeedback[] = [];
  /** Output parts by provider, then by part number. */
  readonly #parts = new Map<string, Map<number, string>>();
  #pendingResult: { result: JobResult; total: number } | undefined;
  /** The provider whose stream is read (the first to send a piece) and its pieces' order. */
  #stream: { provider: string; order: StreamOrder } | undefined;
  #queriedParts = false;
  #published = false;
  #settle: ((outcome: JobOutcome | JobError) => void) | undefined;

  constructor(
    pool: RelayPool,
    inbox: ReplyInbox,
    keys: ConversationKeyCache,
    request: NostrEvent,
    settings: WatchSettings,
  ) {
    this.#pool = pool;
    this.#inbox = inbox;
    this.#keys = keys;
    this.#request = request;
    this.#settings = settings;
    this.#target = request.tags.find((tag) => tag[0] === "p")?.[1];
  }

  start(): Promise<JobOutcome> {
    const { options } = this.#settings;
    const jobId = this.#request.id;
    if (options.signal?.aborted)
      return Promise.reject(new JobError("aborted", "job aborted before it was published", { jobId }));

    return new Promise<JobOutcome>((resolve, reject) => {
      const unfollow = this.#inbox.follow(jobId, resultKindFor(this.#request.kind), (event) =>
        this.#onEvent(event),
      );
      const timer = setTimeout(() => {
        const missing = this.#pendingResult
          ? this.#failure(
              "incomplete",
              `result arrived but some of its ${this.#pendingResult.total} parts did not`,
            )
          : this.#failure("timeout", `no result within ${this.#settings.timeoutMs} ms`);
        this.#finish(missing);
      }, this.#settings.timeoutMs);
      let partsTimer: NodeJS.Timeout | undefined;
      const onAbort = (): void => {
        const aborted = this.#failure("aborted", "job aborted");
        // Tell the provider to stop, but do not make the caller wait for relays to answer.
        if (this.#published) void this.#settings.cancel("aborted by the buyer").catch(() => undefined);
        this.#finish(aborted);
      };
      options.signal?.addEventListener("abort", onAbort, { once: true });
      this.#settle = (outcome) => {
        this.#settle = undefined;
        clearTimeout(timer);
        clearTimeout(partsTimer);
        options.signal?.removeEventListener("abort", onAbort);
        unfollow();
        if (outcome instanceof JobError) reject(outcome);
        else resolve(outcome);
      };
      this.#armPartsQuery = () => {
        if (partsTimer || this.#queriedParts) return;
        partsTimer = setTimeout(() => void this.#queryMissingParts(), this.#settings.missingPartsQueryMs);
      };

      void this.#pool
        .publish(this.#request, {
          timeoutMs: this.#settings.publishTimeoutMs,
          ...(options.relays ? { relays: options.relays } : {}),
        })
        .then((results) => {
          if (results.some((result) => result.ok)) {
            this.#published = true;
            if (options.signal?.aborted) onAbort();
            // The relay had it already (a re-run, or a resumed run): its replies may be stored from before.
            else if (results.some((result) => result.ok && result.reason?.startsWith("duplicate:")))
              void this.#queryStoredReplies();
            return;
          }
          const detail = results.map((r) => `${r.relay}: ${r.reason ?? "rejected"}`).join("; ");
          this.#finish(
            new JobError("not-published", `no relay accepted the request (${detail})`, {
              jobId,
              publishResults: results,
            }),
          );
        });
    });
  }

  #armPartsQuery: () => void = () => undefined;

  #finish(outcome: JobOutcome | JobError): void {
    this.#settle?.(outcome);
  }

  #failure(code: JobFailureCode, message: string, amountMsats?: number): JobError {
    return new JobError(code, message, {
      jobId: this.#request.id,
      feedback: [...this.#feedback],
      ...(amountMsats === undefined ? {} : { amountMsats }),
    });
  }

  #onEvent(event: NostrEvent): void {
    if (!this.#settle) return;
    if (this.#target && event.pubkey !== this.#target) return; // only the provider we asked may answer
    if (event.kind === Kind.JobFeedback) this.#onFeedback(event);
    else this.#onResult(event);
  }

  #onFeedback(event: NostrEvent): void {
    const parsed = parseJobFeedback(event, { secretKey: this.#keys });
    if (!parsed.ok || parsed.feedback.jobId !== this.#request.id) return;
    const feedback = parsed.feedback;
    const part = readOutputPart(event);
    if (feedback.status === "partial" && part) {
      this.#partsOf(feedback.provider).set(part.index, feedback.content);
      this.#tryComplete();
      return; // parts are output, not progress reports
    }
    const onPartial = this.#settings.options.onPartial;
    if (feedback.status === "partial" && onPartial && isStreamPiece(event)) {
      // The result is in (it has all the text); or the piece was unreadable: its gap is never filled, so
      // nothing after it is delivered and the text stays a prefix of the output.
      if (this.#pendingResult || feedback.content === "") return;
      this.#stream ??= { provider: feedback.provider, order: new StreamOrder(onPartial) };
      if (this.#stream.provider === feedback.provider)
        this.#stream.order.push(readStreamSeq(event), feedback.content);
      return;
    }
    this.#feedback.push(feedback);
    try {
      this.#settings.options.onFeedback?.(feedback);
    } catch {
      // a throwing observer must not break the job
    }
    const stopOnRefusal = this.#settings.options.stopOnRefusal ?? this.#target !== undefined;
    if (!stopOnRefusal) return;
    if (feedback.status === "error") {
      this.#finish(
        this.#failure("error", `provider refused or failed the job: ${feedback.extra ?? "no reason given"}`),
      );
    } else if (feedback.status === "payment-required") {
      const amount = feedback.amount?.msats;
      this.#finish(
        this.#failure(
          "payment-required",
          `provider asks for payment${amount === undefined ? "" : ` of ${amount} msats`} before any work`,
          amount,
        ),
      );
    }
  }

  #onResult(event: NostrEvent): void {
    if (this.#pendingResult) return; // the first result wins
    const parsed = parseJobResult(event, { secretKey: this.#keys });
    if (!parsed.ok || parsed.result.jobId !== this.#request.id) return;
    const result = parsed.result;
    // The embedded request, when present, must be ours: a result for another job is not ours to take.
    if (result.request && result.request.id !== this.#request.id) return;
    const part = readOutputPart(event);
    const total = part && part.index === part.total ? part.total : 1;
    this.#pendingResult = { result, total };
    this.#tryComplete();
  }

  #partsOf(provider: string): Map<number, string> {
    let parts = this.#parts.get(provider);
    if (!parts) {
      parts = new Map();
      this.#parts.set(provider, parts);
    }
    return parts;
  }

  #tryComplete(): void {
    const pending = this.#pendingResult;
    if (!pending) return;
    const { result, total } = pending;
    const parts = this.#partsOf(result.provider);
    const chunks: string[] = [];
    for (let index = 1; index < total; index++) {
      const chunk = parts.get(index);
      if (chunk === undefined) {
        this.#armPartsQuery();
        return;
      }
      chunks.push(chunk);
    }
    chunks.push(result.content);
    this.#finish({
      jobId: this.#request.id,
      request: this.#request,
      provider: result.provider,
      result,
      output: chunks.join(""),
      parts: total,
      feedback: [...this.#feedback],
    });
  }

  /** Replies published before this watch began (the request went out before) are read from storage. */
  async #queryStoredReplies(): Promise<void> {
    const stored = await this.#pool
      .query({ kinds: [resultKindFor(this.#request.kind), Kind.JobFeedback], "#e": [this.#request.id] })
      .catch(() => [] as NostrEvent[]);
    for (const event of stored) this.#onEvent(event);
  }

  /** Parts published before we subscribed, or dropped by a relay, can still be fetched from storage. */
  async #queryMissingParts(): Promise<void> {
    const pending = this.#pendingResult;
    if (!pending || !this.#settle) return;
    this.#queriedParts = true;
    const stored = await this.#pool
      .query({ kinds: [Kind.JobFeedback], "#e": [this.#request.id], authors: [pending.result.provider] })
      .catch(() => [] as NostrEvent[]);
    for (const event of stored) this.#onEvent(event);
  }
}
