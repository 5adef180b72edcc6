/** Affinities remembered at most (least recently answered forgotten first): a long-lived swarm serves many runs. */
const MAX_AFFINITIES = 10_000;

/**
 * Which provider last answered each affinity (e.g. `root:<runId>`, an RLM run's root turns): the next request
 * with that affinity goes there first, where the conversation's prefix is still in its KV cache. Only a
 * preference: a provider that is no longer eligible or fails is passed over, and whoever answers instead
 * becomes the preferred one (every request carries its whole conversation, so nothing else moves).
 */
export class Affinities {
  readonly #preferred = new Map<string, string>();

  /** The provider preferred for `affinity`, if one answered it before. */
  preferred(affinity: string | undefined): string | undefined {
    return affinity === undefined ? undefined : this.#preferred.get(affinity);
  }

  /** `provider` answered a request with `affinity`: it is preferred from now on. */
  answered(affinity: string | undefined, provider: string): void {
    if (affinity === undefined) return;
    this.#preferred.delete(affinity); // re-inserted last: the map's order is recency
    this.#preferred.set(affinity, provider);
    if (this.#preferred.size > MAX_AFFINITIES)
      this.#preferred.delete(this.#preferred.keys().next().value as string);
  }

  /** Affinities and their providers now (for reports and tests). */
  entries(): [affinity: string, provider: string][] {
    return [...this.#preferred.entries()];
  }
}
