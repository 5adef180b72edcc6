import type { Filter } from "nostr-tools/filter";

/**
 * Filters for (re)sending a subscription to a relay.
 *
 * Without a cursor they are the caller's filters. With one (the newest created_at this relay delivered and
 * confirmed with EOSE) each filter asks only for events since `cursor - overlapSec`, never earlier than the
 * caller's own `since`. The overlap catches events that reached the relay late or were created by a clock
 * slightly behind ours; duplicates it brings back are removed by the subscription's id memory. `limit` is
 * dropped on resume: it bounded the initial backfill, but here it could silently cut off the missed events.
 */
export function resumeFilters(
  filters: readonly Filter[],
  cursor: number | undefined,
  overlapSec: number,
): Filter[] {
  if (cursor === undefined) return filters.map((filter) => ({ ...filter }));
  const resumeFrom = Math.max(0, cursor - overlapSec);
  return filters.map(({ limit: _limit, ...filter }) => ({
    ...filter,
    since: Math.max(filter.since ?? 0, resumeFrom),
  }));
}
