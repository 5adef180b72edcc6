/**
 * Databases written by older nodes named the buyer column `customer` (before the glossary said "buyer"):
 * opening them renames it, and every row reads back with its buyer.
 */
import path from "node:path";
import { Cleanup, tempDir } from "@pylon/testkit";
import { PaymentLedger, type PylonWallet } from "@pylon/wallet";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { TabBook } from "../src/payments/tabs.js";
import { JobStore } from "../src/store/job-store.js";
import { SCHEMA_VERSION } from "../src/store/schema.js";

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const BUYER = "b".repeat(64);

/** A database file created by `sql`, as an older node left it. */
async function oldDatabase(sql: string): Promise<string> {
  const file = path.join(await tempDir(cleanup, "pylon-migration-"), "old.db");
  const db = new Database(file);
  db.exec(sql);
  db.close();
  return file;
}

describe("databases of older nodes (buyer column named `customer`)", () => {
  it("JobStore renames jobs.customer to buyer, adds the columns added since, and reads the rows back", async () => {
    const request = { id: "j".repeat(64), pubkey: BUYER, kind: 5050, created_at: 1, content: "", tags: [] };
    const file = await oldDatabase(`
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      INSERT INTO meta VALUES ('schema_version', '1');
      CREATE TABLE jobs (
        id TEXT PRIMARY KEY, customer TEXT NOT NULL, request TEXT NOT NULL, state TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0, received_at INTEGER NOT NULL, started_at INTEGER,
        ended_at INTEGER, quote_msats INTEGER, amount_msats INTEGER, input_tokens INTEGER,
        output_tokens INTEGER, finish_reason TEXT, output TEXT, detail TEXT, updated_at INTEGER NOT NULL
      );
      INSERT INTO jobs (id, customer, request, state, received_at, output, updated_at)
        VALUES ('${request.id}', '${BUYER}', '${JSON.stringify(request)}', 'done', 1000, 'old output', 1000);
    `);
    const store = JobStore.open(file);
    cleanup.add(() => store.close());
    expect(store.get(request.id)).toMatchObject({
      id: request.id,
      buyer: BUYER,
      request,
      state: "done",
      output: "old output",
    });
    store.close();
    const db = new Database(file, { readonly: true });
    const columns = (db.prepare("PRAGMA table_info(jobs)").all() as { name: string }[]).map((c) => c.name);
    const version = db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get();
    db.close();
    expect(columns).toContain("buyer");
    expect(columns).not.toContain("customer");
    expect(columns).toContain("batch_items");
    expect(version).toEqual({ value: String(SCHEMA_VERSION) });
  });

  it("TabBook renames the column in tabs, tab_refunds and tab_holds, and reads every row back as the buyer's", async () => {
    const file = await oldDatabase(`
      CREATE TABLE tabs (
        customer TEXT PRIMARY KEY, mint_url TEXT NOT NULL, balance_msats INTEGER NOT NULL,
        reserved_msats INTEGER NOT NULL DEFAULT 0, deposited_msats INTEGER NOT NULL DEFAULT 0,
        charged_msats INTEGER NOT NULL DEFAULT 0, refunded_msats INTEGER NOT NULL DEFAULT 0,
        expires_at INTEGER NOT NULL, closing_op TEXT, closing_sats INTEGER, updated_at INTEGER NOT NULL
      );
      CREATE TABLE tab_refunds (
        op_id TEXT PRIMARY KEY, customer TEXT NOT NULL, job_id TEXT NOT NULL, sats INTEGER NOT NULL,
        token TEXT NOT NULL, expires_at INTEGER NOT NULL, created_at INTEGER NOT NULL, delivered_at INTEGER
      );
      CREATE TABLE tab_holds (
        job_id TEXT PRIMARY KEY, customer TEXT NOT NULL, reserved_msats INTEGER NOT NULL,
        charged_msats INTEGER, state TEXT NOT NULL, created_at INTEGER NOT NULL
      );
      INSERT INTO tabs (customer, mint_url, balance_msats, reserved_msats, deposited_msats, expires_at, updated_at)
        VALUES ('${BUYER}', 'http://127.0.0.1:1', 15000, 5000, 20000, 9999999999, 1000);
      INSERT INTO tab_refunds (op_id, customer, job_id, sats, token, expires_at, created_at)
        VALUES ('op-1', '${BUYER}', 'job-0', 7, 'cashuBtoken', 2000, 1500);
      INSERT INTO tab_holds (job_id, customer, reserved_msats, state, created_at)
        VALUES ('job-1', '${BUYER}', 5000, 'held', 1000);
    `);
    const ledger = new PaymentLedger(file);
    cleanup.add(() => ledger.close());
    // Nothing here is refunded, so the wallet is never asked for ecash.
    const tabs = new TabBook({
      ledger,
      wallet: {} as PylonWallet,
      ttlSec: 600,
      redeem: async () => undefined,
    });

    expect(tabs.balance(BUYER)).toEqual({
      balanceMsats: 15_000,
      reservedMsats: 5_000,
      expiresAt: 9_999_999_999,
    });
    expect(tabs.expiryRefunds.list(BUYER)).toEqual([
      { opId: "op-1", buyer: BUYER, jobId: "job-0", sats: 7, token: "cashuBtoken", expiresAt: 2000 },
    ]);
    // The hold finds its buyer's tab: settling charges it and frees the rest of the reserve.
    expect(tabs.holds("job-1")).toBe(true);
    tabs.settle("job-1", 1_000);
    expect(tabs.balance(BUYER)).toMatchObject({ balanceMsats: 19_000, reservedMsats: 0 });
    expect(tabs.totals()).toMatchObject({ depositedMsats: 20_000, chargedMsats: 1_000 });
  });
});
