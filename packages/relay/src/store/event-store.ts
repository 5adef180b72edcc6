/**
 * Persistent event storage over better-sqlite3: batched inserts with NIP-01 replacement and NIP-09 deletion
 * semantics, filter queries, and the NIP-40 purge. Synchronous by design (better-sqlite3 is), so the caller
 * decides when to batch.
 */
import { isHex64 } from "@pylon/protocol";
import Database from "better-sqlite3";
import { expirationOf, KIND_DELETION, type NostrEvent, replacementKey, replacementKeyFor } from "../event.js";
import { type Filter, isUnsatisfiable } from "../filter.js";
import { buildFilterQuery } from "./query-builder.js";
import { initSchema } from "./schema.js";

/** An event that passed validation and verification, with its canonical JSON. */
export interface StorableEvent {
  event: NostrEvent;
  raw: string;
}

export type StoreOutcome =
  | { status: "stored"; replaced: number; deleted: number }
  | { status: "duplicate"; message: string }
  | { status: "blocked"; message: string };

export interface StoredRow {
  id: string;
  created_at: number;
  raw: string;
}

interface SlotRow {
  seq: number;
  id: string;
  created_at: number;
}

const STATEMENT_CACHE_SIZE = 256;

export class EventStore {
  readonly #db: Database.Database;
  readonly #statements = new Map<string, Database.Statement>();
  readonly #insertMany: (items: readonly StorableEvent[]) => StoreOutcome[];
  #lastCount = 0;

  readonly #hasId: Database.Statement<[string], { one: 1 }>;
  readonly #isDeletedId: Database.Statement<[string, string], { one: 1 }>;
  readonly #deletedAddressUntil: Database.Statement<[number, string, string], { until: number }>;
  readonly #findSlot: Database.Statement<[string, number, string], SlotRow>;
  readonly #deleteSeq: Database.Statement<[number]>;
  readonly #insertEvent: Database.Statement<
    [string, string, number, number, string | null, number | null, string]
  >;
  readonly #insertTag: Database.Statement<[string, string, number, number | bigint, number]>;
  readonly #deleteById: Database.Statement<[string, string, number]>;
  readonly #insertDeletedId: Database.Statement<[string, string]>;
  readonly #deleteAddress: Database.Statement<[string, number, string, number]>;
  readonly #insertDeletedAddress: Database.Statement<[number, string, string, number]>;
  readonly #purgeExpired: Database.Statement<[number]>;
  readonly #count: Database.Statement<[], { n: number }>;

  constructor(path: string) {
    this.#db = new Database(path);
    try {
      initSchema(this.#db);
    } catch (err) {
      this.#db.close();
      throw err;
    }
    const db = this.#db;
    this.#hasId = db.prepare("SELECT 1 AS one FROM events WHERE id = ?");
    this.#isDeletedId = db.prepare("SELECT 1 AS one FROM deleted_ids WHERE id = ? AND pubkey = ?");
    this.#deletedAddressUntil = db.prepare(
      "SELECT until FROM deleted_addresses WHERE kind = ? AND pubkey = ? AND replace_key = ?",
    );
    this.#findSlot = db.prepare(
      "SELECT seq, id, created_at FROM events WHERE pubkey = ? AND kind = ? AND replace_key = ?",
    );
    this.#deleteSeq = db.prepare("DELETE FROM events WHERE seq = ?");
    this.#insertEvent = db.prepare(
      "INSERT INTO events (id, pubkey, kind, created_at, replace_key, expiration, raw) VALUES (?, ?, ?, ?, ?, ?, ?)",
    );
    // OR IGNORE: a tag repeated within one event is indexed once.
    this.#insertTag = db.prepare(
      "INSERT OR IGNORE INTO tags (name, value, created_at, event_seq, kind) VALUES (?, ?, ?, ?, ?)",
    );
    this.#deleteById = db.prepare("DELETE FROM events WHERE id = ? AND pubkey = ? AND kind != ?");
    this.#insertDeletedId = db.prepare("INSERT OR IGNORE INTO deleted_ids (id, pubkey) VALUES (?, ?)");
    this.#deleteAddress = db.prepare(
      "DELETE FROM events WHERE pubkey = ? AND kind = ? AND replace_key = ? AND created_at <= ?",
    );
    this.#insertDeletedAddress = db.prepare(
      `INSERT INTO deleted_addresses (kind, pubkey, replace_key, until) VALUES (?, ?, ?, ?)
       ON CONFLICT (kind, pubkey, replace_key) DO UPDATE SET until = max(until, excluded.until)`,
    );
    this.#purgeExpired = db.prepare("DELETE FROM events WHERE expiration IS NOT NULL AND expiration <= ?");
    this.#count = db.prepare("SELECT count(*) AS n FROM events");
    this.#insertMany = db.transaction((items: readonly StorableEvent[]) =>
      items.map((i) => this.#insertOne(i)),
    );
  }

  /** Stores events in one transaction; outcomes come back in input order. Throws only on database failure. */
  insertBatch(items: readonly StorableEvent[]): StoreOutcome[] {
    return items.length === 0 ? [] : this.#insertMany(items);
  }

  has(id: string): boolean {
    return this.#hasId.get(id) !== undefined;
  }

  /**
   * Runs each filter (their results are OR'ed), dedupes, and returns rows newest first, ties by lowest id.
   * Each filter's own `limit` bounds its contribution, as NIP-01 specifies.
   */
  query(filters: readonly Filter[], now: number): StoredRow[] {
    const byId = new Map<string, StoredRow>();
    let ran = 0;
    for (const filter of filters) {
      if (filter.limit === 0 || isUnsatisfiable(filter)) continue;
      const { sql, params } = buildFilterQuery(filter, now);
      for (const row of this.#statement(sql).all(...params) as StoredRow[]) byId.set(row.id, row);
      ran++;
    }
    const rows = [...byId.values()];
    if (ran > 1) rows.sort((a, b) => b.created_at - a.created_at || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    return rows;
  }

  /** Deletes events whose NIP-40 expiration has passed; returns how many. */
  purgeExpired(now: number): number {
    return this.#purgeExpired.run(now).changes;
  }

  /** Events in the store; after close, the count at closing time. */
  count(): number {
    if (this.#db.open) this.#lastCount = this.#count.get()?.n ?? 0;
    return this.#lastCount;
  }

  close(): void {
    if (!this.#db.open) return;
    this.count();
    try {
      this.#db.pragma("optimize");
    } finally {
      this.#db.close();
    }
  }

  #statement(sql: string): Database.Statement {
    let statement = this.#statements.get(sql);
    if (statement) {
      // Re-insert to keep the Map in least-recently-used order.
      this.#statements.delete(sql);
    } else {
      statement = this.#db.prepare(sql);
      if (this.#statements.size >= STATEMENT_CACHE_SIZE) {
        const oldest = this.#statements.keys().next().value;
        if (oldest !== undefined) this.#statements.delete(oldest);
      }
    }
    this.#statements.set(sql, statement);
    return statement;
  }

  #insertOne({ event, raw }: StorableEvent): StoreOutcome {
    if (this.#hasId.get(event.id))
      return { status: "duplicate", message: "duplicate: already have this event" };
    if (this.#isDeletedId.get(event.id, event.pubkey)) {
      return { status: "blocked", message: "blocked: this event was deleted by its author" };
    }
    const key = replacementKey(event);
    let replaced = 0;
    if (key !== null) {
      const tombstone = this.#deletedAddressUntil.get(event.kind, event.pubkey, key);
      if (tombstone && tombstone.until >= event.created_at) {
        return { status: "blocked", message: "blocked: this address was deleted by its author" };
      }
      const current = this.#findSlot.get(event.pubkey, event.kind, key);
      if (current) {
        const currentWins =
          current.created_at > event.created_at ||
          (current.created_at === event.created_at && current.id < event.id);
        if (currentWins) {
          return {
            status: "duplicate",
            message: "duplicate: a newer version of this event is already stored",
          };
        }
        this.#deleteSeq.run(current.seq);
        replaced = 1;
      }
    }
    const { lastInsertRowid } = this.#insertEvent.run(
      event.id,
      event.pubkey,
      event.kind,
      event.created_at,
      key,
      expirationOf(event),
      raw,
    );
    for (const tag of event.tags) {
      const name = tag[0];
      const value = tag[1];
      if (name !== undefined && name.length === 1 && value !== undefined) {
        this.#insertTag.run(name, value, event.created_at, lastInsertRowid, event.kind);
      }
    }
    const deleted = event.kind === KIND_DELETION ? this.#applyDeletion(event) : 0;
    return { status: "stored", replaced, deleted };
  }

  /** NIP-09: removes the author's own events named by `e` and `a` tags and remembers them as deleted. */
  #applyDeletion(deletion: NostrEvent): number {
    let deleted = 0;
    for (const tag of deletion.tags) {
      const target = tag[1];
      if (target === undefined) continue;
      if (tag[0] === "e" && isHex64(target)) {
        // Deleting a deletion request has no effect (NIP-09), hence `kind != 5`.
        deleted += this.#deleteById.run(target, deletion.pubkey, KIND_DELETION).changes;
        this.#insertDeletedId.run(target, deletion.pubkey);
      } else if (tag[0] === "a") {
        const address = parseAddress(target);
        if (!address || address.pubkey !== deletion.pubkey) continue;
        const key = replacementKeyFor(address.kind, address.d);
        if (key === null) continue;
        deleted += this.#deleteAddress.run(address.pubkey, address.kind, key, deletion.created_at).changes;
        this.#insertDeletedAddress.run(address.kind, address.pubkey, key, deletion.created_at);
      }
    }
    return deleted;
  }
}

/** Parses a NIP-01 address "kind:pubkey:d-identifier" (the identifier may itself contain colons). */
function parseAddress(value: string): { kind: number; pubkey: string; d: string } | null {
  const first = value.indexOf(":");
  const second = value.indexOf(":", first + 1);
  if (first <= 0 || second < 0) return null;
  const kind = Number(value.slice(0, first));
  const pubkey = value.slice(first + 1, second);
  if (!Number.isInteger(kind) || kind < 0 || kind > 65_535 || !isHex64(pubkey)) return null;
  return { kind, pubkey, d: value.slice(second + 1) };
}
