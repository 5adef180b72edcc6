/**
 * How long deposits take, learnt from this run's own swaps (for `readiness`): a swap of n deposits takes
 * about base + n × per-deposit (each deposit one blind-signed output after rounding, ~20 ms of curve math on
 * this kind of machine), and a deposit's job is acknowledged about one confirmation round after it left.
 * Exponentially weighted, so a loaded machine's figures take over from the priors within a few swaps.
 */
const WEIGHT = 0.3;

export class DepositTiming {
  /** Fixed part of a swap (the mint's HTTP round trip, bookkeeping), ms: a prior, not learnt. */
  readonly baseMs: number;
  perDepositMs: number;
  /** From the token leaving to the provider's acknowledgement, ms. */
  confirmMs: number;

  constructor(prior: { baseMs?: number; perDepositMs?: number; confirmMs?: number } = {}) {
    this.baseMs = prior.baseMs ?? 40;
    this.perDepositMs = prior.perDepositMs ?? 25;
    this.confirmMs = prior.confirmMs ?? 60;
  }

  /** Expected length of a swap of `deposits`, ms. */
  swapMs(deposits: number): number {
    return this.baseMs + this.perDepositMs * deposits;
  }

  swapEnded(deposits: number, ms: number): void {
    if (deposits <= 0) return;
    const per = Math.max(1, (ms - this.baseMs) / deposits);
    this.perDepositMs += WEIGHT * (per - this.perDepositMs);
  }

  confirmed(ms: number): void {
    this.confirmMs += WEIGHT * (Math.max(1, ms) - this.confirmMs);
  }
}
