/**
 * The progress of one batched request while its items run on the node's slots: each item's outcome, and
 * what the batch costs so far. The batch ends (one result, one settlement) when its last item does.
 */
import {
  type BatchItem,
  type BatchItemResult,
  jobCostMsats,
  type TokenPrice,
  type TokenUsage,
} from "@pylon/protocol";

/** How one item ended: generated (`output`), or not (`error`). `usage` is charged for either. */
export interface ItemOutcome {
  output?: string;
  error?: string;
  /** Tokens used; a cancelled item is charged what it generated, a failed one passes none (costs nothing). */
  usage?: TokenUsage;
}

export class BatchRun {
  readonly items: readonly BatchItem[];
  readonly #price: TokenPrice;
  readonly #results: Array<BatchItemResult | undefined>;
  #pending: number;
  #closed = false;
  /** Whether an item has started generating (the job is `running` from then on). */
  started = false;
  costMsats = 0;
  inputTokens = 0;
  outputTokens = 0;

  constructor(items: readonly BatchItem[], price: TokenPrice) {
    this.items = items;
    this.#price = price;
    this.#results = items.map(() => undefined);
    this.#pending = items.length;
  }

  /** Records item `index`'s outcome; true when it was the last item still open. An item ends only once. */
  end(index: number, outcome: ItemOutcome): boolean {
    const item = this.items[index];
    if (!item || this.#closed || this.#results[index] !== undefined) return false;
    const msats = outcome.usage ? jobCostMsats(this.#price, outcome.usage) : 0;
    this.costMsats += msats;
    this.inputTokens += outcome.usage?.inputTokens ?? 0;
    this.outputTokens += outcome.usage?.outputTokens ?? 0;
    this.#results[index] =
      outcome.output !== undefined
        ? { id: item.id, output: outcome.output, outputTokens: outcome.usage?.outputTokens ?? 0, msats }
        : { id: item.id, error: outcome.error ?? "not generated", msats };
    this.#pending--;
    return this.#pending === 0;
  }

  /** True once every item ended, or the batch was closed (failed as a whole). */
  get ended(): boolean {
    return this.#closed || this.#pending === 0;
  }

  /** Ignores every later item end: the batch failed as a whole. */
  close(): void {
    this.#closed = true;
  }

  /** Every item's result, in item order (an item not ended yet reads as not generated). */
  results(): BatchItemResult[] {
    return this.items.map(
      (item, index) => this.#results[index] ?? { id: item.id, error: "not generated", msats: 0 },
    );
  }

  /** Items answered with an output. */
  get served(): number {
    return this.#results.filter((result) => result?.output !== undefined).length;
  }

  get failed(): number {
    return this.#results.filter((result) => result !== undefined && result.output === undefined).length;
  }
}
