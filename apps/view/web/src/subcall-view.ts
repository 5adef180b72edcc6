/**
 * Which sub-call rows the table shows, in what order: filters (text, status, provider, RLM, iteration) and a
 * sort column over the rows loaded so far. Unfiltered and unsorted, the table is the flat list itself, rows
 * fetched as they scroll into view; otherwise it is an index list computed here.
 */
import type { SubcallRow } from "../../src/api.js";

export type SortKey = "index" | "provider" | "attempts" | "hedges" | "latency" | "tokens" | "cost" | "status";

export interface TableQuery {
  text: string;
  status: "all" | "ok" | "failed";
  provider: string;
  /** An RLM of the tree (null: the whole run). */
  runId: string | null;
  /** Only this iteration of that RLM. */
  iteration: number | null;
  sort: SortKey;
  descending: boolean;
}

export const initialQuery: TableQuery = {
  text: "",
  status: "all",
  provider: "",
  runId: null,
  iteration: null,
  sort: "index",
  descending: false,
};

export function isIdentity(q: TableQuery): boolean {
  return (
    q.text === "" &&
    q.status === "all" &&
    q.provider === "" &&
    q.runId === null &&
    q.iteration === null &&
    q.sort === "index" &&
    !q.descending
  );
}

const sortValue: Record<SortKey, (row: SubcallRow) => number | string> = {
  index: (row) => row.index,
  provider: (row) => row.provider,
  attempts: (row) => row.attempts ?? 1,
  hedges: (row) => row.hedges ?? 0,
  latency: (row) => row.latencyMs,
  tokens: (row) => row.inputTokens + row.outputTokens,
  cost: (row) => row.costSats,
  status: (row) => (row.ok ? 0 : 1),
};

/** The flat indices to show, in order (only rows already loaded). */
export function selectRows(rows: ReadonlyArray<SubcallRow | undefined>, q: TableQuery): number[] {
  const words = q.text.toLowerCase().split(/\s+/).filter(Boolean);
  const out: number[] = [];
  for (const row of rows) {
    if (!row) continue;
    if (q.status === "ok" && !row.ok) continue;
    if (q.status === "failed" && row.ok) continue;
    if (q.provider && row.provider !== q.provider) continue;
    if (q.runId !== null && row.runId !== q.runId) continue;
    if (q.iteration !== null && row.iteration !== q.iteration) continue;
    if (words.length > 0) {
      const hay =
        `${row.promptPreview} ${row.responsePreview} ${row.provider} ${row.model} ${row.error ?? ""}`.toLowerCase();
      if (!words.every((word) => hay.includes(word))) continue;
    }
    out.push(row.index);
  }
  if (q.sort !== "index" || q.descending) {
    const key = sortValue[q.sort];
    const sign = q.descending ? -1 : 1;
    out.sort((a, b) => {
      const va = key(rows[a]!);
      const vb = key(rows[b]!);
      return (va < vb ? -1 : va > vb ? 1 : a - b) * sign;
    });
  }
  return out;
}
