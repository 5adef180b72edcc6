/**
 * The write path after the cheap checks: verify signatures in batches (on worker threads), then store the
 * valid events in ONE SQLite transaction per batch (group commit) and report every outcome.
 *
 * Submissions are collected until the event loop has read everything the sockets delivered
 * (setImmediate) or a batch is full, then dispatched. Batches may verify in parallel on several workers,
 * but they are committed strictly in submission order, so an event and a later deletion of it cannot be
 * reordered.
 */
import { isEphemeralKind } from "./event.js";
import type { EventStore, StorableEvent, StoreOutcome } from "./store/event-store.js";
import type { VerifyPool } from "./verify-pool.js";

export interface Submission<Origin> extends StorableEvent {
  origin: Origin;
}

export interface PipelineHandlers<Origin> {
  /** The event's id or signature is invalid. */
  invalid(item: Submission<Origin>): void;
  /** A valid ephemeral event: fan it out, never store it. */
  ephemeral(item: Submission<Origin>): void;
  /** Outcomes of one committed batch, in order; an Error when the transaction failed as a whole. */
  committed(items: Submission<Origin>[], outcomes: StoreOutcome[] | Error): void;
  /** A handler threw: logged, and the pipeline carries on. */
  error(err: unknown): void;
}

export class EventPipeline<Origin> {
  #collecting: Submission<Origin>[] = [];
  #scheduled: NodeJS.Immediate | undefined;
  #tail: Promise<void> = Promise.resolve();
  #queued = 0;

  constructor(
    private readonly pool: VerifyPool,
    private readonly store: EventStore,
    private readonly handlers: PipelineHandlers<Origin>,
    private readonly maxBatch = 256,
  ) {}

  /** Events submitted and not yet committed (or refused). */
  get queued(): number {
    return this.#queued;
  }

  submit(item: Submission<Origin>): void {
    this.#collecting.push(item);
    this.#queued++;
    if (this.#collecting.length >= this.maxBatch) this.#dispatch();
    else this.#scheduled ??= setImmediate(() => this.#dispatch());
  }

  /** Resolves when everything submitted so far has been committed and reported. */
  async drain(): Promise<void> {
    this.#dispatch();
    await this.#tail;
  }

  #dispatch(): void {
    if (this.#scheduled) {
      clearImmediate(this.#scheduled);
      this.#scheduled = undefined;
    }
    if (this.#collecting.length === 0) return;
    const batch = this.#collecting;
    this.#collecting = [];
    const verdicts = this.pool.verify(batch.map((item) => item.raw));
    this.#tail = this.#tail
      .then(() => verdicts)
      .then(
        (valid) => this.#complete(batch, valid),
        (err) => this.#complete(batch, err instanceof Error ? err : new Error(String(err))),
      )
      .catch((err) => this.handlers.error(err));
  }

  #complete(batch: Submission<Origin>[], valid: boolean[] | Error): void {
    this.#queued -= batch.length;
    if (valid instanceof Error) {
      this.handlers.committed(batch, valid);
      return;
    }
    const toStore: Submission<Origin>[] = [];
    batch.forEach((item, i) => {
      if (!valid[i]) this.handlers.invalid(item);
      else if (isEphemeralKind(item.event.kind)) this.handlers.ephemeral(item);
      else toStore.push(item);
    });
    if (toStore.length === 0) return;
    let outcomes: StoreOutcome[] | Error;
    try {
      outcomes = this.store.insertBatch(toStore);
    } catch (err) {
      outcomes = err instanceof Error ? err : new Error(String(err));
    }
    this.handlers.committed(toStore, outcomes);
  }
}
