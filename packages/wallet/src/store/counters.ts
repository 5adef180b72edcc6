/**
 * cashu-ts `CounterSource` over SQLite: every reservation of NUT-13 derivation counters is committed before
 * cashu-ts derives a single secret from them, so no crash and no second process can ever hand out the same
 * counter twice (a reused counter makes outputs the mint refuses as "already signed").
 */
import type { CounterRange, CounterSource } from "@cashu/cashu-ts";
import { type Db, immediate } from "./db.js";

export class SqliteCounterSource implements CounterSource {
  constructor(private readonly db: Db) {}

  private next(keysetId: string): number {
    const row = this.db.prepare("SELECT next FROM counters WHERE keyset_id = ?").get(keysetId) as
      | { next: number }
      | undefined;
    return row?.next ?? 0;
  }

  private write(keysetId: string, next: number): void {
    this.db
      .prepare(
        "INSERT INTO counters (keyset_id, next) VALUES (?, ?) ON CONFLICT (keyset_id) DO UPDATE SET next = excluded.next",
      )
      .run(keysetId, next);
  }

  async reserve(keysetId: string, n: number): Promise<CounterRange> {
    return immediate(this.db, () => {
      const start = this.next(keysetId);
      if (n > 0) this.write(keysetId, start + n);
      return { start, count: n };
    });
  }

  async reserveAt(keysetId: string, start: number, count: number): Promise<CounterRange> {
    return immediate(this.db, () => {
      const next = this.next(keysetId);
      if (start < next)
        throw new Error(`counters ${start}..${start + count} of keyset ${keysetId} already issued`);
      this.write(keysetId, start + count);
      return { start, count };
    });
  }

  async advanceToAtLeast(keysetId: string, minNext: number): Promise<void> {
    immediate(this.db, () => {
      if (this.next(keysetId) < minNext) this.write(keysetId, minNext);
    });
  }

  async snapshot(): Promise<Record<string, number>> {
    const rows = this.db.prepare("SELECT keyset_id, next FROM counters").all() as Array<{
      keyset_id: string;
      next: number;
    }>;
    return Object.fromEntries(rows.map((r) => [r.keyset_id, r.next]));
  }

  async setNext(keysetId: string, next: number): Promise<void> {
    this.write(keysetId, next);
  }
}
