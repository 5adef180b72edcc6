/**
 * The sub-call rows of one run, held sparse by flat index: the first page is fetched at once (so a
 * 100,000-sub-call run opens fast), the rest in the background in pages, any visible gap on demand, and live
 * rows are put in place as they arrive. Components subscribe and re-render at most once a frame.
 */

import { useEffect, useState } from "preact/hooks";
import type { SubcallRow } from "../../src/api.js";
import { api } from "./client.js";

const PAGE = 5000;

export class RowStore {
  readonly rows: Array<SubcallRow | undefined> = [];
  total = 0;
  loaded = 0;
  version = 0;
  private readonly listeners = new Set<() => void>();
  private readonly pending = new Set<number>();
  private scheduled = false;
  private closed = false;
  private quietAt = 0;

  constructor(private readonly runId: string) {}

  subscribe(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => void this.listeners.delete(listener);
  }

  /** The total grows with a live run; rows past it are dropped when it shrinks (never, in practice). */
  setTotal(total: number): void {
    if (total === this.total) return;
    this.total = Math.max(total, this.total);
    this.changed();
  }

  put(rows: SubcallRow[]): void {
    for (const row of rows) {
      if (this.rows[row.index] === undefined) this.loaded++;
      this.rows[row.index] = row;
      if (row.index >= this.total) this.total = row.index + 1;
    }
    if (rows.length > 0) this.changed();
  }

  get complete(): boolean {
    return this.loaded >= this.total;
  }

  /** Fetches rows [from, to) that are missing, in pages; the server may answer fewer rows than asked. */
  async ensure(from: number, to: number): Promise<void> {
    let start = from;
    const end = Math.min(to, this.total);
    while (start < end && !this.closed) {
      if (this.rows[start] !== undefined) {
        start++;
        continue;
      }
      const page = Math.floor(start / PAGE);
      if (this.pending.has(page)) return;
      this.pending.add(page);
      try {
        const stop = Math.min(end, (page + 1) * PAGE);
        const answer = await api.subcalls(this.runId, start, stop);
        if (answer.total > this.total) this.total = answer.total;
        this.put(answer.rows);
        if (answer.rows.length === 0) return;
        start += answer.rows.length;
      } finally {
        this.pending.delete(page);
      }
    }
  }

  /** The user is scrolling: background loading waits until they stop, so frames stay short. */
  busy(ms = 250): void {
    this.quietAt = performance.now() + ms;
  }

  /** Loads everything there is, page by page, pausing while the table scrolls. */
  async loadAll(): Promise<void> {
    for (let from = 0; from < this.total && !this.closed; from += PAGE) {
      while (performance.now() < this.quietAt && !this.closed) {
        await new Promise((resolve) => setTimeout(resolve, this.quietAt - performance.now()));
      }
      await this.ensure(from, from + PAGE);
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  }

  close(): void {
    this.closed = true;
    this.listeners.clear();
  }

  private changed(): void {
    this.version++;
    if (this.scheduled) return;
    this.scheduled = true;
    requestAnimationFrame(() => {
      this.scheduled = false;
      for (const listener of this.listeners) listener();
    });
  }
}

/** Re-renders the caller when the store changes (at most once a frame). */
export function useRows(store: RowStore): number {
  const [version, setVersion] = useState(store.version);
  useEffect(() => store.subscribe(() => setVersion(store.version)), [store]);
  return version;
}
