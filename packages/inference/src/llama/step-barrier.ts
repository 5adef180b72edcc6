/**
 * Keeps the jobs that are generating on one context in lockstep, so that each decode step batches the next
 * token of every one of them.
 *
 * Why: node-llama-cpp starts its next batch as soon as the previous one is sampled, with whichever
 * sequences have queued a token by then. The sequence sampled last is always a few microtasks late, misses
 * that batch, and gets a decode of its own: measured on the tiny model, 2 jobs never shared a batch and 8
 * jobs ran as batches of 7 plus stragglers. Holding every job's next token until all of them are ready
 * makes them queue in the same tick, so one decode serves them all.
 */
export class StepBarrier {
  private members = 0;
  private waiting: Array<() => void> = [];

  /** Enters the lockstep; call `leave` when the job stops generating, or the others wait for it forever. */
  join(): StepSeat {
    this.members++;
    let left = false;
    return {
      arrive: () =>
        new Promise<void>((resolve) => {
          this.waiting.push(resolve);
          this.releaseIfComplete();
        }),
      leave: () => {
        if (left) return;
        left = true;
        this.members--;
        this.releaseIfComplete();
      },
    };
  }

  private releaseIfComplete(): void {
    if (this.waiting.length === 0 || this.waiting.length < this.members) return;
    const released = this.waiting;
    this.waiting = [];
    for (const resolve of released) resolve();
  }
}

export interface StepSeat {
  /** Resolves once every member has arrived (or left). */
  arrive(): Promise<void>;
  leave(): void;
}
