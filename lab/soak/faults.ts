/**
 * When the soak breaks things: provider kill waves and relay restarts, placed at fractions of the run's
 * progress (answered or failed sub-calls), so the same plan hits the same stage of the work on a fast or a
 * slow machine. Randomness is seeded: a run can be repeated.
 */
export interface FaultPlanOptions {
  /** Waves of provider kills. */
  killWaves: number;
  /** Share of the providers SIGKILLed in each wave (at least one). */
  killFraction: number;
  relayRestarts: number;
}

export type FaultEvent =
  | { at: number; kind: "kill-wave"; wave: number }
  | { at: number; kind: "relay-restart" };

export function faultPlan(options: FaultPlanOptions): FaultEvent[] {
  const events: FaultEvent[] = [];
  // Spread over 10%..85% of the run: faults meet a warm market, and the end has time to recover.
  for (let w = 1; w <= options.killWaves; w++)
    events.push({ at: 0.1 + (0.75 * w) / (options.killWaves + 1), kind: "kill-wave", wave: w });
  for (let r = 1; r <= options.relayRestarts; r++)
    // Offset from the kill waves, so each fault's recovery is seen on its own.
    events.push({ at: 0.1 + (0.75 * (r - 0.3)) / options.relayRestarts, kind: "relay-restart" });
  return events.sort((a, b) => a.at - b.at);
}

/** `count` distinct picks from `items`. */
export function pick<T>(items: T[], count: number, random: () => number): T[] {
  const pool = [...items];
  const chosen: T[] = [];
  while (chosen.length < count && pool.length > 0)
    chosen.push(pool.splice(Math.floor(random() * pool.length), 1)[0]!);
  return chosen;
}

/**
 * Kill-wave victims: distinct units (a provider process, or a pack of providers) drawn at random until they
 * hold at least `providers` provider identities. With one provider per unit this is `pick`, draw for draw.
 */
export function pickUnits<T extends { providers: number }>(
  units: T[],
  providers: number,
  random: () => number,
): T[] {
  const pool = [...units];
  const chosen: T[] = [];
  let held = 0;
  while (held < providers && pool.length > 0) {
    const unit = pool.splice(Math.floor(random() * pool.length), 1)[0]!;
    chosen.push(unit);
    held += unit.providers;
  }
  return chosen;
}
