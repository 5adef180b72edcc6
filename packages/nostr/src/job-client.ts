/**
 * The buyer side of one NIP-90 job: publish a signed request (plain, or encrypted to the provider),
 * follow its feedback, and return the verified, decrypted result. Used by tests and by the swarm.
 *
 * Following each job (its feedback, output parts and deadline) is job-watch.ts's job.
 */
import {
  buildEncryptedJobRequest,
  buildJobCancel,
  buildJobRequest,
  ConversationKeyCache,
  type EncryptionScheme,
  type EventTemplate,
  type JobRequestSpec,
  type NostrEvent,
} from "@pylon/protocol";
import { type AwaitOptions, type JobOutcome, JobWatch } from "./job-watch.js";
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

  /**
   * Builds and signs a request without publishing it. Throws on a spec the builders refuse. Does no proof of
   * work: for relays that want some, use prepareForRelays.
   */
  prepare(spec: JobSpec, now = Math.floor(Date.now() / 1000)): NostrEvent {
    return signEvent(this.#template(spec, now), this.#keys.secretKey);
  }

  /**
   * prepare(), signed through the pool when the pool holds this client's key: with the proof of work its
   * relays require and `created_at` inside their window (see RelayPool.sign). Rejects with a PowError when the
   * work is past the pool's cap.
   */
  prepareForRelays(spec: JobSpec, now = Math.floor(Date.now() / 1000)): Promise<NostrEvent> {
    try {
      return this.#signForRelays(this.#template(spec, now));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #template(spec: JobSpec, now: number): EventTemplate {
    const { encryption, cashuToken, ...rest } = spec;
    if (encryption === undefined && cashuToken !== undefined)
      throw new TypeError("a cashu token may only travel in an encrypted request");
    if (encryption === undefined) return buildJobRequest({ ...rest, now });
    if (rest.provider === undefined) throw new TypeError("an encrypted request needs a provider");
    return buildEncryptedJobRequest(
      { ...rest, provider: rest.provider, now, ...(cashuToken === undefined ? {} : { cashuToken }) },
      this.#keys,
      encryption,
    );
  }

  #signForRelays(template: EventTemplate): Promise<NostrEvent> {
    if (this.#pool.pubkey !== undefined && this.#pool.pubkey === this.pubkey)
      return this.#pool.sign(template);
    return Promise.resolve(signEvent(template, this.#keys.secretKey));
  }

  /** Builds, signs and publishes a request, then awaits its result. Rejects with a JobError. */
  async submit(spec: JobSpec, options: AwaitOptions = {}): Promise<JobOutcome> {
    return this.run(await this.prepareForRelays(spec), options);
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
      cancel: (reason) => this.cancel(request, reason, options.relays),
    }).start();
  }

  /** Stops following replies (jobs still running then get no more events); the next job reopens it. */
  close(): void {
    for (const inbox of this.#inboxes.values()) inbox.close();
  }

  /**
   * Publishes a kind-5 cancellation of one of our requests (to `relays` only, when given: where the request
   * went). Resolves with every relay's answer.
   */
  cancel(
    request: { id: string; kind: number },
    reason?: string,
    relays?: readonly string[],
  ): Promise<PublishResult[]> {
    const template = buildJobCancel({
      now: Math.floor(Date.now() / 1000),
      request,
      ...(reason === undefined ? {} : { reason }),
    });
    return this.#signForRelays(template).then((event) =>
      this.#pool.publish(event, { timeoutMs: this.#publishTimeoutMs, ...(relays ? { relays } : {}) }),
    );
  }
}
