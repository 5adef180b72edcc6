import type { NostrEvent } from "nostr-tools/core";
import { RelayError } from "./errors.js";
import type { ClosedInfo, EoseInfo, SubscribeParams, SubscriptionHandle } from "./subscription.js";

export interface StreamOptions {
  /** Aborting ends the iteration cleanly (no error). */
  signal?: AbortSignal;
  /** Called once when the stored events have been delivered (see SubscribeParams.oneose). */
  oneose?: (info: EoseInfo) => void;
  eoseTimeoutMs?: number;
  label?: string;
  /**
   * Events held for a consumer that is not keeping up. Beyond this the stream fails rather than grow without
   * bound or silently drop events. Default 10,000.
   */
  maxBuffered?: number;
}

type Waiter = {
  resolve: (result: IteratorResult<NostrEvent, undefined>) => void;
  reject: (err: unknown) => void;
};

/**
 * A subscription as an async iterator: `for await (const event of pool.stream(filters)) …`.
 * It ends cleanly on close(), on abort, when the loop breaks, and on pool shutdown; it throws a RelayError
 * if every relay refused the subscription. Ending always closes the underlying subscription.
 */
export class EventStream implements AsyncIterableIterator<NostrEvent, undefined> {
  readonly #subscription: SubscriptionHandle;
  readonly #maxBuffered: number;
  #buffer: NostrEvent[] = [];
  #head = 0;
  #waiter: Waiter | undefined;
  #finished = false;
  #failure: Error | undefined;

  constructor(subscribe: (params: SubscribeParams) => SubscriptionHandle, options: StreamOptions = {}) {
    this.#maxBuffered = options.maxBuffered ?? 10_000;
    const params: SubscribeParams = {
      onevent: (event) => this.#push(event),
      onclosed: (info) => this.#onClosed(info),
    };
    if (options.signal) params.signal = options.signal;
    if (options.oneose) params.oneose = options.oneose;
    if (options.eoseTimeoutMs !== undefined) params.eoseTimeoutMs = options.eoseTimeoutMs;
    if (options.label !== undefined) params.label = options.label;
    this.#subscription = subscribe(params);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  next(): Promise<IteratorResult<NostrEvent, undefined>> {
    if (this.#head < this.#buffer.length) return Promise.resolve({ value: this.#shift(), done: false });
    if (this.#finished) {
      const failure = this.#failure;
      this.#failure = undefined; // throw once, then behave like an ended iterator
      return failure ? Promise.reject(failure) : Promise.resolve({ value: undefined, done: true });
    }
    if (this.#waiter)
      return Promise.reject(new Error("EventStream.next() called while a previous call is pending"));
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }

  /** Called by `break`/`return` inside for-await. */
  return(): Promise<IteratorResult<NostrEvent, undefined>> {
    this.close();
    return Promise.resolve({ value: undefined, done: true });
  }

  /** Stops the subscription; the iteration ends after nothing (buffered events are discarded). */
  close(): void {
    this.#buffer = [];
    this.#head = 0;
    this.#subscription.close();
    this.#finish(undefined);
  }

  #push(event: NostrEvent): void {
    if (this.#finished) return;
    if (this.#waiter) {
      const waiter = this.#waiter;
      this.#waiter = undefined;
      waiter.resolve({ value: event, done: false });
      return;
    }
    if (this.#buffer.length - this.#head >= this.#maxBuffered) {
      this.#finish(
        new Error(`stream buffer overflow: consumer is more than ${this.#maxBuffered} events behind`),
      );
      this.#subscription.close("stream buffer overflow");
      return;
    }
    this.#buffer.push(event);
  }

  #shift(): NostrEvent {
    const event = this.#buffer[this.#head] as NostrEvent;
    this.#head++;
    if (this.#head >= 1024 && this.#head * 2 >= this.#buffer.length) {
      this.#buffer = this.#buffer.slice(this.#head);
      this.#head = 0;
    }
    return event;
  }

  #onClosed(info: ClosedInfo): void {
    const failure =
      info.cause === "relays"
        ? new RelayError("every relay closed the subscription", info.reasons)
        : undefined;
    this.#finish(failure);
  }

  #finish(failure: Error | undefined): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#failure = failure;
    const waiter = this.#waiter;
    this.#waiter = undefined;
    if (!waiter) return;
    if (failure) {
      this.#failure = undefined;
      waiter.reject(failure);
    } else {
      waiter.resolve({ value: undefined, done: true });
    }
  }
}
