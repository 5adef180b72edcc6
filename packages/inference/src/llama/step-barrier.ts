/**
 * Keeps the jobs that are generating on one context in lockstep, so that each decode step batches the next
 * token of every one of them, in sequence order.
 *
 * Why lockstep: node-llama-cpp starts its next batch as soon as the previous one is sampled, with whichever
 * sequences have queued a token by then. The sequence sampled last is always a few microtasks late, misses
 * that batch, and gets a decode of its own: measured on the tiny model, 2 jobs never shared a batch and 8
 * jobs ran as batches of 7 plus stragglers. Holding every job's next token until all of them are ready
 * makes them queue in the same tick, so one decode serves them all.
 *
 * Why in order: node-llama-cpp fills the batch in the order tokens were queued, and llama.cpp (per-sequence
 * KV cache) cuts a batch into separate passes over the weights wherever the next token's sequence id is not
 * the previous one plus one. Measured on a 145 MB model, one token for each of 8 sequences: 97 ms in order,
 * 167 ms shuffled (the order the samplers happen to finish in), 255 ms reversed.
 */
export class StepBarrier {
  private members = 0;
  private waiting: Array<{ rank: number; resolve: () => void }> = [];

  /**
   * Enters the lockstep; call `leave` when the job stops generating, or the others wait for it forever.
   * Members are released in ascending `rank` (the context sequence's id).
   */
  join(rank = 0): StepSeat {
    this.members++;
    let left = false;
    return {
      arrive: () =>
        new Promise<void>((resolve) => {
          this.waiting.push({ rank, resolve });
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
    const released = this.waiting.sort((a, b) => a.rank - b.rank);
    this.waiting = [];
    for (const member of released) member.resolve();
  }
}

export interface StepSeat {
  /** Resolves once every member has arrived (or left). */
  arrive(): Promise<void>;
  leave(): void;
}
