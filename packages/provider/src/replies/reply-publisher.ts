/**
 * Builds, signs and publishes a job's feedback and result. Replies of one job go out strictly in order
 * (so `processing` never lands after the result), each retried a few times until some relay accepts it.
 */
import { classifyRelayAnswer, type PublishResult, type RelayPool, signEvent } from "@pylon/nostr";
import {
  buildJobFeedback,
  buildJobResult,
  buildStreamPartial,
  type ConversationKeyCache,
  type EncryptionScheme,
  type EventTemplate,
  type JobRef,
  type JobStatus,
  type NostrEvent,
  outputPartTag,
} from "@pylon/protocol";
import { type Logger, shortId as short } from "../log.js";
import { fitsInEvent, type ReplyRoom, replyRoom } from "./event-size.js";
import { partBudget, splitOutput } from "./output-parts.js";
import type { RequestRelays } from "./request-relays.js";

/** Who a reply goes to and how. */
export interface ReplyTarget {
  /** The request as received. */
  event: NostrEvent;
  /** Set when the request was encrypted: replies are encrypted to the buyer with the same scheme. */
  encryption?: EncryptionScheme;
  /** Relays the buyer asked for replies on. */
  relays: readonly string[];
  /** A batched request: its result copies none of the inputs (they can be large; the items hold the ids). */
  batch?: boolean;
}

export interface FeedbackDetails {
  extra?: string;
  amountMsats?: number;
  content?: string;
  /** Extra public tags (e.g. a NUT-18 payment request). */
  tags?: string[][];
}

export interface ReplyPublisherOptions {
  /** Per attempt. Default 5,000 ms. */
  publishTimeoutMs?: number;
  /** Pauses between attempts; their count + 1 is the number of attempts. Default 250, 1,000, 3,000 ms. */
  retryDelaysMs?: readonly number[];
  log: Logger;
}

export class ReplyPublisher {
  readonly #pool: RelayPool;
  readonly #keys: ConversationKeyCache;
  readonly #requestRelays: RequestRelays;
  readonly #timeoutMs: number;
  readonly #retryDelaysMs: readonly number[];
  readonly #log: Logger;
  /** The tail of each job's reply chain. */
  readonly #chains = new Map<string, Promise<unknown>>();

  constructor(
    pool: RelayPool,
    keys: ConversationKeyCache,
    requestRelays: RequestRelays,
    options: ReplyPublisherOptions,
  ) {
    this.#pool = pool;
    this.#keys = keys;
    this.#requestRelays = requestRelays;
    this.#timeoutMs = options.publishTimeoutMs ?? 5_000;
    this.#retryDelaysMs = options.retryDelaysMs ?? [250, 1_000, 3_000];
    this.#log = options.log;
  }

  /** Sends a kind-7000 feedback. Resolves true once a relay accepted it. Never rejects. */
  feedback(target: ReplyTarget, status: JobStatus, details: FeedbackDetails = {}): Promise<boolean> {
    return this.#inOrder(target.event.id, async () => {
      const template = buildJobFeedback({
        now: nowSec(),
        request: target.event,
        status,
        ...(details.extra ? { extra: truncate(details.extra, 512) } : {}),
        ...(details.amountMsats === undefined ? {} : { amount: { msats: details.amountMsats } }),
        ...(details.content ? { content: details.content } : {}),
        ...(target.encryption ? { encryption: { sender: this.#keys, scheme: target.encryption } } : {}),
      });
      if (details.tags) template.tags.push(...details.tags);
      return await this.#send(template, target, `${status} feedback`);
    });
  }

  /**
   * Sends one piece of a streamed answer (`partial` feedback numbered `seq`, docs/protocol.md "Streaming"),
   * in order with the job's other replies. One attempt, no retries: a lost piece only delays the text until
   * the result, which carries all of it. Never rejects.
   */
  partial(target: ReplyTarget, seq: number, text: string): Promise<boolean> {
    return this.#inOrder(target.event.id, async () => {
      const template = buildStreamPartial({
        now: nowSec(),
        request: target.event,
        seq,
        text,
        ...(target.encryption ? { encryption: { sender: this.#keys, scheme: target.encryption } } : {}),
      });
      return await this.#publish(template, target.event.id, target.relays, `stream piece ${seq}`, false);
    });
  }

  /**
   * Sends a kind-7000 feedback about a job that is not in hand (only its id and buyer are known, e.g. a
   * tab refund after a restart): NIP-44-encrypted content, the node's own relays. Never rejects.
   */
  feedbackFor(job: JobRef, status: JobStatus, details: FeedbackDetails = {}): Promise<boolean> {
    return this.#inOrder(job.id, async () => {
      const template = buildJobFeedback({
        now: nowSec(),
        request: job,
        status,
        ...(details.extra ? { extra: truncate(details.extra, 512) } : {}),
        ...(details.content ? { content: details.content } : {}),
        encryption: { sender: this.#keys, scheme: "nip44" },
      });
      if (details.tags) template.tags.push(...details.tags);
      return await this.#publish(template, job.id, [], `${status} feedback`);
    });
  }

  /**
   * Sends the result; an output too large for one event goes out as numbered `partial` parts, the last part
   * in the result itself. Resolves true once every event was accepted by some relay. Never rejects.
   */
  result(target: ReplyTarget, output: string, amountMsats: number, tags: string[][] = []): Promise<boolean> {
    return this.#inOrder(target.event.id, async () => {
      let templates: EventTemplate[];
      try {
        // Parts sized to what every write relay takes: a 16 KB relay gets more, smaller parts.
        const room = replyRoom(await this.#pool.limits());
        templates = this.#resultEvents(target, output, amountMsats, room);
        templates.at(-1)?.tags.push(...tags);
      } catch (error) {
        this.#log.error(`job ${short(target.event.id)}: cannot build its result: ${String(error)}`);
        return false;
      }
      for (const [index, template] of templates.entries()) {
        const what = templates.length === 1 ? "result" : `part ${index + 1}/${templates.length}`;
        if (!(await this.#send(template, target, what))) return false;
      }
      return true;
    });
  }

  /** Resolves when every reply started so far has been sent or given up on, or after `timeoutMs`. */
  async flush(timeoutMs: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    await Promise.race([Promise.allSettled([...this.#chains.values()]), deadline]);
    clearTimeout(timer);
  }

  #resultEvents(target: ReplyTarget, output: string, amountMsats: number, room: ReplyRoom): EventTemplate[] {
    const encrypted = target.encryption !== undefined;
    const build = (content: string, variant: ResultVariant, part?: [number, number]): EventTemplate => {
      const template = buildJobResult({
        now: nowSec(),
        request: target.event,
        output: content,
        amount: { msats: amountMsats },
        includeRequest: variant === "full",
        ...(encrypted ? { encryption: { sender: this.#keys, scheme: target.encryption } } : {}),
      });
      // Inputs are copied for the buyer's convenience; they are the first thing to go when space is short.
      if (variant === "without-inputs" || target.batch)
        template.tags = template.tags.filter((tag) => tag[0] !== "i");
      if (part) template.tags.push(outputPartTag(part[0], part[1]));
      return template;
    };
    const fitting = (content: string, part?: [number, number]): EventTemplate | undefined => {
      for (const variant of RESULT_VARIANTS) {
        const template = build(content, variant, part);
        if (fitsInEvent(template, room)) return template;
      }
      return undefined;
    };

    const budget = partBudget(encrypted, room);
    const whole = Buffer.byteLength(output, "utf8") <= budget || !encrypted ? fitting(output) : undefined;
    if (whole) return [whole];

    const parts = splitOutput(output, budget, encrypted);
    const total = parts.length;
    const events = parts.slice(0, -1).map((content, index) => {
      const part = buildJobFeedback({
        now: nowSec(),
        request: target.event,
        status: "partial",
        content,
        ...(encrypted ? { encryption: { sender: this.#keys, scheme: target.encryption } } : {}),
      });
      part.tags.push(outputPartTag(index + 1, total));
      return part;
    });
    const last = fitting(parts[total - 1] ?? "", [total, total]);
    if (!last) throw new Error("the result does not fit in an event even without the request and inputs");
    return [...events, last];
  }

  #send(template: EventTemplate, target: ReplyTarget, what: string): Promise<boolean> {
    return this.#publish(template, target.event.id, target.relays, what);
  }

  /** Through the pool when it holds the key: it mines the proof of work the relays ask for. */
  #sign(template: EventTemplate): Promise<NostrEvent> {
    return this.#pool.pubkey
      ? this.#pool.sign(template)
      : Promise.resolve(signEvent(template, this.#keys.secretKey));
  }

  async #publish(
    template: EventTemplate,
    jobId: string,
    relays: readonly string[],
    what: string,
    retry = true,
  ): Promise<boolean> {
    let event: NostrEvent;
    try {
      event = await this.#sign(template);
    } catch (error) {
      this.#log.warn(`job ${short(jobId)}: its ${what} was not signed: ${errorText(error)}`);
      return false;
    }
    const extra = this.#requestRelays.extraFor(relays);
    let results: PublishResult[] = [];
    for (let attempt = 0; attempt <= (retry ? this.#retryDelaysMs.length : 0); attempt++) {
      if (attempt > 0) await sleep(this.#retryDelaysMs[attempt - 1] ?? 1_000);
      // A relay that asked for more proof of work than the pool knew of: the pool has learned it, sign again.
      if (results.some((r) => !r.ok && classifyRelayAnswer(r.reason ?? "").kind === "pow")) {
        try {
          event = await this.#sign(template);
        } catch (error) {
          this.#log.warn(`job ${short(jobId)}: its ${what} was not signed: ${errorText(error)}`);
          return false;
        }
      }
      const [own, theirs] = await Promise.all([
        this.#pool.publish(event, { timeoutMs: this.#timeoutMs }),
        extra.length > 0 ? this.#requestRelays.publish(event, extra, this.#timeoutMs) : Promise.resolve([]),
      ]);
      results = [...own, ...theirs];
      if (results.some((result) => result.ok)) return true;
    }
    const reasons = results.map((r) => `${r.relay}: ${r.reason ?? "rejected"}`).join("; ");
    this.#log.warn(`job ${short(jobId)}: no relay accepted its ${what} (${reasons})`);
    return false;
  }

  #inOrder(jobId: string, task: () => Promise<boolean>): Promise<boolean> {
    const previous = this.#chains.get(jobId) ?? Promise.resolve();
    const next = previous.then(task, task).catch((error: unknown) => {
      this.#log.error(`job ${short(jobId)}: reply failed: ${String(error)}`);
      return false;
    });
    this.#chains.set(jobId, next);
    void next.then(() => {
      if (this.#chains.get(jobId) === next) this.#chains.delete(jobId);
    });
    return next;
  }
}

type ResultVariant = "full" | "without-request" | "without-inputs";
const RESULT_VARIANTS: readonly ResultVariant[] = ["full", "without-request", "without-inputs"];

function nowSec(): number {
  return Math.floor(Date.now() / 1000);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
