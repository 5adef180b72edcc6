/**
 * Translates one NIP-01 filter into one SQL query over the schema in schema.ts.
 *
 * A filter with a tag condition (and no ids or authors) is driven from the `tags` table: its rows for one tag value
 * are already in created_at order, so "newest N with #t=x" reads N rows instead of sorting every match.
 * Everything else is driven from `events` through its indexes. Lists become `IN (?, ?, …)` placeholders:
 * the SQL text depends only on list lengths, so the statement cache stays small and the planner sees real
 * constants. Results come newest first, ties by lowest id, as NIP-01 asks.
 */
import type { Filter } from "../filter.js";

export interface SqlQuery {
  sql: string;
  params: (string | number)[];
}

type Params = (string | number)[];

function inList(column: string, values: readonly (string | number)[], params: Params): string {
  params.push(...values);
  return values.length === 1 ? `${column} = ?` : `${column} IN (?${",?".repeat(values.length - 1)})`;
}

/** Conditions on the `tags` row aliased `alias`, for one tag filter. */
function tagConditions(alias: string, name: string, values: readonly string[], params: Params): string {
  params.push(name);
  return `${alias}.name = ? AND ${inList(`${alias}.value`, values, params)}`;
}

function timeRange(column: string, filter: Filter, where: string[], params: Params): void {
  if (filter.since !== undefined) {
    where.push(`${column} >= ?`);
    params.push(filter.since);
  }
  if (filter.until !== undefined) {
    where.push(`${column} <= ?`);
    params.push(filter.until);
  }
}

export function buildFilterQuery(filter: Filter, now: number): SqlQuery {
  const params: Params = [];
  const where: string[] = [];
  const tagEntries = filter.tags ? [...filter.tags] : [];
  // ids and authors are usually more selective than a tag, so they keep the lead when present.
  const driver = filter.ids || filter.authors ? undefined : tagEntries.shift();

  let from = "events e";
  let select = "e.id, e.created_at, e.raw";
  let orderBy = "e.created_at DESC, e.id";
  if (driver) {
    const [name, values] = driver;
    from = "tags t JOIN events e ON e.seq = t.event_seq";
    where.push(tagConditions("t", name, values, params));
    if (filter.kinds) where.push(inList("t.kind", filter.kinds, params));
    timeRange("t.created_at", filter, where, params);
    if (values.length === 1) {
      // One value: each event appears once (tags are unique per event) and in t.created_at order.
      orderBy = "t.created_at DESC, e.id";
    } else {
      // Several values can match one event twice, and no single index range is in time order anyway.
      select = `DISTINCT ${select}`;
    }
  } else {
    if (filter.ids) where.push(inList("e.id", filter.ids, params));
    if (filter.kinds) where.push(inList("e.kind", filter.kinds, params));
    timeRange("e.created_at", filter, where, params);
  }
  if (filter.authors) where.push(inList("e.pubkey", filter.authors, params));
  for (const [name, values] of tagEntries) {
    where.push(
      `EXISTS (SELECT 1 FROM tags x WHERE x.event_seq = e.seq AND ${tagConditions("x", name, values, params)})`,
    );
  }
  // NIP-40: an expired event is never served, even before the periodic purge removes it.
  where.push("(e.expiration IS NULL OR e.expiration > ?)");
  params.push(now, filter.limit);
  return {
    sql: `SELECT ${select} FROM ${from} WHERE ${where.join(" AND ")} ORDER BY ${orderBy} LIMIT ?`,
    params,
  };
}
