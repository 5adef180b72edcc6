/**
 * One budget for a whole RLM tree. Every model call reserves its worst case (estimated prompt tokens plus
 * max_tokens, the backend's cost ceiling) BEFORE it is dispatched, and settles to what it actually used
 * afterwards, so concurrent calls and child RLMs can never jointly overrun a limit by more than the error of
 * one estimate.
 */

export interface RlmBudget {
  /** LM turns (iterations) across the tree: the root's, and every child RLM's. */
  iterations?: number;
  /** Calls to the sub model: plain `llm_query` items and child RLM turns. */
  subcalls?: number;
  /** Input + output tokens across every call in the tree, root included. */
  tokens?: number;
  /** Money, as reported per item by the SubcallBackend. */
  sats?: number;
  /** Wall clock for the whole run. */
  timeoutMs?: number;
}

export type BudgetResource = "iterations" | "subcalls" | "tokens" | "sats" | "time";

export interface BudgetClaim {
  iterations?: number;
  subcalls?: number;
  tokens?: number;
  sats?: number;
}

export interface BudgetTotals {
  iterations: number;
  subcalls: number;
  tokens: number;
  sats: number;
}

export interface Reservation {
  ok: true;
  /** Replaces the reserved tokens and sats with what the call really used (counts stay as reserved). */
  settle(actual: { tokens: number; sats: number }): void;
  /** Gives everything back: the call was never made. */
  cancel(): void;
}

export interface BudgetRefusal {
  ok: false;
  resource: BudgetResource;
  /** "budget exhausted (…)", ready to be prefixed with "Error: ". */
  message: string;
}

const COUNTED = ["iterations", "subcalls", "tokens", "sats"] as const;

function zero(): BudgetTotals {
  return { iterations: 0, subcalls: 0, tokens: 0, sats: 0 };
}

export class BudgetLedger {
  private readonly used = zero();
  private readonly reserved = zero();
  readonly deadline: number | undefined;

  constructor(
    readonly limits: RlmBudget = {},
    private readonly now: () => number = Date.now,
  ) {
    for (const key of [...COUNTED, "timeoutMs"] as const) {
      const value = limits[key];
      if (value !== undefined && (typeof value !== "number" || Number.isNaN(value) || value < 0)) {
        throw new RangeError(`budget.${key} must be a non-negative number, got ${String(value)}`);
      }
    }
    this.deadline = limits.timeoutMs === undefined ? undefined : now() + limits.timeoutMs;
  }

  /** Milliseconds left before the wall-clock limit (Infinity without one). */
  timeLeftMs(): number {
    return this.deadline === undefined ? Number.POSITIVE_INFINITY : this.deadline - this.now();
  }

  reserve(claim: BudgetClaim): Reservation | BudgetRefusal {
    if (this.timeLeftMs() <= 0) {
      return {
        ok: false,
        resource: "time",
        message: `budget exhausted (time: ${this.limits.timeoutMs} ms elapsed)`,
      };
    }
    const want: BudgetTotals = { ...zero(), ...claim };
    for (const key of COUNTED) {
      const limit = this.limits[key];
      if (limit === undefined) continue;
      const committed = this.used[key] + this.reserved[key];
      // A spent money or token budget stops every call, also those whose cost could not be estimated (0).
      const spent = (key === "sats" || key === "tokens") && committed >= limit;
      if (spent || (want[key] > 0 && committed + want[key] > limit)) {
        const round = (n: number) => (key === "sats" ? Number(n.toFixed(3)) : Math.ceil(n));
        return {
          ok: false,
          resource: key,
          message: `budget exhausted (${key}: ${round(committed)} of ${limit} used or reserved, this call needs ${round(want[key])})`,
        };
      }
    }
    for (const key of COUNTED) this.reserved[key] += want[key];
    let open = true;
    const release = () => {
      for (const key of COUNTED) this.reserved[key] -= want[key];
    };
    return {
      ok: true,
      settle: (actual) => {
        if (!open) return;
        open = false;
        release();
        this.used.iterations += want.iterations;
        this.used.subcalls += want.subcalls;
        this.used.tokens += actual.tokens;
        this.used.sats += actual.sats;
      },
      cancel: () => {
        if (!open) return;
        open = false;
        release();
      },
    };
  }

  /** What settled calls used (reservations in flight are not included). */
  totals(): BudgetTotals {
    return { ...this.used };
  }
}
