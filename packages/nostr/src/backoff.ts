export interface BackoffOptions {
  /** Delay ceiling for the first retry, in ms. */
  initialDelayMs: number;
  /** Upper bound of any delay, in ms. */
  maxDelayMs: number;
}

/**
 * Exponential backoff with "equal jitter": the ceiling doubles per attempt (capped at maxDelayMs) and the
 * delay is drawn uniformly from [ceiling/2, ceiling]. Half the ceiling is kept so a retry never fires
 * immediately; the random half spreads many clients apart after a relay restarts.
 */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions,
  random: () => number = Math.random,
): number {
  const exponent = Math.min(Math.max(0, Math.floor(attempt)), 30);
  const ceiling = Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** exponent);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}
