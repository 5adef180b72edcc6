/**
 * Reading every stored event that matches a filter from a relay that caps its answers (NIP-11 `max_limit`;
 * many public relays return at most 500, some 100 when no `limit` is given): pages backwards in time, each
 * page `until` the oldest `created_at` of the one before (inclusive, since more events may share that second;
 * repeats are dropped by id), until a page comes back short. A second holding more events than a page is read
 * alone with a larger limit.
 */
import type { NostrEvent } from "nostr-tools/core";
import type { Filter } from "nostr-tools/filter";
import type { RelayReason } from "./types.js";

/** Page size for a relay that publishes no NIP-11 `max_limit`: the smallest cap seen on public relays. */
export const DEFAULT_PAGE_SIZE = 100;
/** Pages read per filter per relay before giving up on the rest (100 × 100 events with the default size). */
export const DEFAULT_MAX_PAGES = 100;

/** One relay's answer to one REQ: its events, and whether it ended with EOSE (not a timeout, refusal, drop). */
export interface RelayPage {
  events: NostrEvent[];
  eose: boolean;
  /** Why it did not end with EOSE. */
  reason?: string;
}

export interface PagingBounds {
  pageSize: number;
  maxPages: number;
  /** Date.now() value after which no page is asked for. */
  deadline: number;
}

/**
 * Pages one relay through each filter in turn. Returns what was read, and why it stopped short if it did
 * (no EOSE, the page bound, the deadline). A caller's `limit` on a filter bounds what is read for it.
 */
export async function pageRelay(
  filters: readonly Filter[],
  bounds: PagingBounds,
  ask: (filter: Filter, timeoutMs: number) => Promise<RelayPage>,
): Promise<{ events: NostrEvent[]; incomplete?: string }> {
  const byId = new Map<string, NostrEvent>();
  /** Keeps the events not seen yet; returns how many that was. */
  const absorb = (events: readonly NostrEvent[]): number => {
    let fresh = 0;
    for (const event of events) {
      if (byId.has(event.id)) continue;
      byId.set(event.id, event);
      fresh++;
    }
    return fresh;
  };
  for (const filter of filters) {
    const wanted = filter.limit ?? Number.POSITIVE_INFINITY;
    let read = 0;
    let until = filter.until;
    for (let page = 0; ; page++) {
      const remainingMs = bounds.deadline - Date.now();
      if (page >= bounds.maxPages || remainingMs <= 0) {
        const why = page >= bounds.maxPages ? `${bounds.maxPages} pages` : "the time bound";
        return { events: [...byId.values()], incomplete: `stopped after ${why}, with more events left` };
      }
      const limit = Math.min(bounds.pageSize, wanted - read);
      const answer = await ask({ ...filter, limit, ...(until === undefined ? {} : { until }) }, remainingMs);
      let oldest = Number.POSITIVE_INFINITY;
      for (const event of answer.events) oldest = Math.min(oldest, event.created_at);
      const fresh = absorb(answer.events);
      read += fresh;
      if (!answer.eose)
        return { events: [...byId.values()], incomplete: answer.reason ?? "no end of stored events" };
      // Short page: the relay has no more.
      if (answer.events.length < limit || read >= wanted) break;
      if (fresh > 0 && oldest !== until) {
        until = oldest;
        continue;
      }
      // A full page inside one second: more events share it than a page holds (a thousand nodes announcing
      // at once), and `until` cannot step into it. That second alone with a larger limit (relays without a
      // NIP-11 max_limit often cap an explicit limit far above their default page), then the seconds before.
      const crowdLimit = Math.min(CROWDED_SECOND_LIMIT, wanted - read);
      const crowd = await ask(
        { ...filter, since: oldest, until: oldest, limit: crowdLimit },
        bounds.deadline - Date.now(),
      );
      const crowdFresh = absorb(crowd.events);
      read += crowdFresh;
      if (!crowd.eose)
        return { events: [...byId.values()], incomplete: crowd.reason ?? "no end of stored events" };
      if (crowd.events.length >= crowdLimit && read < wanted)
        return {
          events: [...byId.values()],
          incomplete: `more events share one second (${oldest}) than the relay returns at once`,
        };
      // Nothing new either way: the relay ignores `until` (or `since`): what it gives is all there is.
      if (fresh === 0 && crowdFresh === 0) break;
      if (read >= wanted || (filter.since !== undefined && oldest <= filter.since)) break;
      until = oldest - 1;
    }
  }
  return { events: [...byId.values()] };
}

/** The limit asked for one crowded second: the foreign relay's cap on an explicit limit; ours use max_limit. */
const CROWDED_SECOND_LIMIT = 1_000;

/** Events from several relays, each once, newest first. */
export function mergeNewestFirst(lists: readonly NostrEvent[][]): NostrEvent[] {
  const byId = new Map<string, NostrEvent>();
  for (const list of lists) for (const event of list) byId.set(event.id, event);
  return [...byId.values()].sort((a, b) => b.created_at - a.created_at || (a.id < b.id ? -1 : 1));
}

export interface QueryAllOptions {
  /** Page size on a relay that publishes no NIP-11 `max_limit` (one that does gets pages of that size). Default 100. */
  pageSize?: number;
  /** Pages per filter per relay at most. Default 100. */
  maxPages?: number;
  /** Bound of the whole read, every page of every relay. Default 30,000 ms. */
  timeoutMs?: number;
  /** Bound of each page's wait for EOSE. Defaults to the pool's eoseTimeoutMs. */
  pageTimeoutMs?: number;
  signal?: AbortSignal;
  label?: string;
  /** Told about each relay whose read stopped short (no EOSE, a bound reached); what it sent is kept. */
  onIncomplete?: (info: RelayReason) => void;
  /** Told what each relay sent, before the events are merged (to learn where each author is heard). */
  onEvents?: (relay: string, events: readonly NostrEvent[]) => void;
}

/** One relay's own answer to a query (see RelayPool.queryEach). */
export interface RelayQueryAnswer extends RelayPage {
  relay: string;
}
