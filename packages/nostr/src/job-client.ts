/**
 * The buyer side of one NIP-90 job: publish a signed request (plain, or encrypted to the provider),
 * follow its feedback, and return the verified, decrypted result. Used by tests and by the swarm.
 *
 * Outputs too large for one event arrive in parts (a Pylon extension, see docs/protocol.md):
 * `partial` feedback events carrying `["part", "<n>", "<total>"]`, then the result carrying the last part.
 * The client reassembles them, so `output` is always the whole text.
 */
import {
  buildEncryptedJobRequest,
  buildJobCancel,
  buildJobRequest,
  ConversationKeyCache,
  type EncryptionScheme,
  type JobFeedback,
  type JobRequestSpec,
  type JobResult,
  Kind,
  type NostrEvent,
  parseJobFeedback,
  parseJobResult,
  readOutputPart,
  resultKindFor,
} from "@pylon/protocol";
import type { RelayPool } from "./pool.js";
import { ReplyInbox } from "./reply-inbox.js";
import { signEvent } from "./sign.js";
import type { PublishResult } from "./types.js";

/** What to ask for: the request builder's spec without the clock, plus encryption. */
export interface JobSpec extends Omit<JobRequestSpec, "now"> {
  /** Encrypt the inputs and params to `provider` (required then) with this scheme. */
  encryption?: EncryptionScheme;
  /** Reserved for the payments work; only sent inside an encrypted request. */
  cashuToken?: string;
}

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

export interface JobClientOptions {
  /** Default whole-job deadline. Default 60,000 ms. */
  timeoutMs?: number;
  /** Bound on publishing the request and a cancellation. Default 5,000 ms. */
  publishTimeoutMs?: number;
  /** When a split result lacks parts, ask the relays for them after this long. Default 2,000 ms. */
  missingPartsQueryMs?: number;
}

/** Publishes job requests through a RelayPool and awaits their outcome. One client can run many jobs at once. */
export class JobClient {
  readonly pubkey: string;
  readonly #pool: RelayPool;
  readonly #keys: ConversationKeyCache;
  readonly #timeoutMs: number;
  readonly #publishTimeoutMs: number;
  readonly #missingPartsQueryMs: number;
  /** Reply subscriptions by buyer: ours, and any other key a request we are asked to run was signed with. */
  readonly #inboxes = new Map<string, ReplyInbox>();

  constructor(pool: RelayPool, secretKey: Uint8Array | ConversationKeyCache, options: JobClientOptions = {}) {
    this.#pool = pool;
    this.#keys = secretKey instanceof ConversationKeyCache ? secretKey : new ConversationKeyCache(secretKey);
    this.pubkey = this.#keys.pubkey;
    this.#timeoutMs = options.timeoutMs ?? 60_000;
    this.#publishTimeoutMs = options.publishTimeoutMs ?? 5_000;
    this.#missingPartsQueryMs = options.missingPartsQueryMs ?? 2_000;
  }

  /** Builds and signs a request without publishing it. Throws on a spec the builders refuse. */
  prepare(spec: JobSpec, now = Math.floor(Date.now() / 1000)): NostrEvent {
    const { encryption, cashuToken, ...rest } = spec;
    if (encryption === undefined && cashuToken !== undefined)
      throw new TypeError("a cashu token may only travel in an encrypted request");
    if (encryption === undefined) return signEvent(buildJobRequest({ ...rest, now }), this.#keys.secretKey);
    if (rest.provider === undefined) throw new TypeError("an encrypted request needs a provider");
    const template = buildEncryptedJobRequest(
      { ...rest, provider: rest.provider, now, ...(cashuToken === undefined ? {} : { cashuToken }) },
      this.#keys,
      encryption,
    );
    return signEvent(template, this.#keys.secretKey);
  }

  /** Builds, signs and publishes a request, then awaits its result. Rejects with a JobError. */
  submit(spec: JobSpec, options: AwaitOptions = {}): Promise<JobOutcome> {
    return this.run(this.prepare(spec), options);
  }

  /**
   * Publishes an already signed request (ours, or built by other means with our key) and awaits its result.
   * Replies arrive through the client's one shared subscription (see ReplyInbox), which is open before the
   * request is published, so no reply can be missed.
   */
  run(request: NostrEvent, options: AwaitOptions = {}): Promise<JobOutcome> {
    let inbox = this.#inboxes.get(request.pubkey);
    if (!inbox) {
      inbox = new ReplyInbox(this.#pool, request.pubkey);
      this.#inboxes.set(request.pubkey, inbox);
    }
    return new JobWatch(this.#pool, inbox, this.#keys, request, {
      timeoutMs: options.timeoutMs ?? this.#timeoutMs,
      publishTimeoutMs: this.#publishTimeoutMs,
      missingPartsQueryMs: this.#missingPartsQueryMs,
      options,
      cancel: (reason) => this.cancel(request, reason),
    }).start();
  }

  /** Stops following replies (jobs still running then get no more events); the next job reopens it. */
  close(): void {
    for (const inbox of this.#inboxes.values()) inbox.close();
  }

  /** Publishes a kind-5 cancellation of one of our requests. Resolves with every relay's answer. */
  cancel(request: { id: string; kind: number }, reason?: string): Promise<PublishResult[]> {
    const template = buildJobCancel({
      now: Math.floor(Date.now() / 1000),
      request,
      ...(reason === undefined ? {} : { reason }),
    });
    return this.#pool.publish(signEvent(template, this.#keys.secretKey), {
      timeoutMs: this.#publishTimeoutMs,
    });
  }
}

interface WatchSettings {
  timeoutMs: number;
  publishTimeoutMs: number;
  missingPartsQueryMs: number;
  options: AwaitOptions;
  cancel: (reason: string) => Promise<PublishResult[]>;
}

/** One job being followed: collects feedback and parts until a complete result, a refusal, or the deadline. */
class JobWatch {
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
        .publish(this.#request, { timeoutMs: this.#settings.publishTimeoutMs })
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
