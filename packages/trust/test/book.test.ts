import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Cleanup, tempDir } from "@pylon/testkit";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { ReputationBook } from "../src/book.js";

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const WRITER = fileURLToPath(new URL("./fixtures/book-writer.mjs", import.meta.url));
const A = "a".repeat(64);
const B = "b".repeat(64);
const C = "c".repeat(64);

/** A book on a file in a fresh temp dir, with a clock the test moves. */
async function bookFile(): Promise<string> {
  return join(await tempDir(cleanup, "pylon-trust-"), "trust.db");
}

function open(file: string, clock = { now: 1_000 }): ReputationBook {
  return cleanup.use(ReputationBook.open(file, { now: () => clock.now }), (book) => book.close());
}

describe("ReputationBook", () => {
  it("counts jobs, money and checks, and keeps them across a reopen of the file", async () => {
    const file = await bookFile();
    const clock = { now: 1_000 };
    const book = ReputationBook.open(file, { now: () => clock.now });
    book.recordJob(A, "answered", 2_000);
    clock.now = 2_000;
    book.recordJob(A, "timeout");
    book.recordJob(A, "refused");
    book.recordJob(A, "failed");
    book.recordRefund(A, 500);
    book.recordCheck(A, "job-1", "pass");
    book.recordCheck(A, "job-2", "strike", 2_000);
    book.close();

    const again = open(file);
    expect(again.get(A)).toEqual({
      pubkey: A,
      jobs: 4,
      answered: 1,
      timeouts: 1,
      refusals: 1,
      checksPassed: 1,
      checksFailed: 1,
      paidMsats: 2_000,
      refundedMsats: 500,
      paidForBadMsats: 2_000,
      reports: 0,
      firstSeen: 1_000,
      lastSeen: 2_000,
      blocked: undefined,
    });
    expect(again.strikes(A)).toEqual(["job-2"]);
    expect(again.get(B)).toBeUndefined();
    expect(again.isBlocked(B)).toBe(false);
  });

  it("keeps the struck job ids as evidence, oldest first, per provider", async () => {
    const book = open(await bookFile());
    book.recordCheck(A, "j1", "strike");
    book.recordCheck(B, "j2", "strike");
    book.recordCheck(A, "j3", "pass");
    book.recordCheck(A, "j4", "strike");
    expect(book.strikes(A)).toEqual(["j1", "j4"]);
    expect(book.strikes(B)).toEqual(["j2"]);
    expect(book.strikes(C)).toEqual([]);
  });

  it("a block keeps its first reason and evidence; it survives a reopen", async () => {
    const file = await bookFile();
    const clock = { now: 5_000 };
    const book = ReputationBook.open(file, { now: () => clock.now });
    book.block(A, "caught: 5 strikes in 5 checks", "caught", ["j1", "j2"]);
    clock.now = 6_000;
    book.block(A, "blocked by the user", "user");
    book.close();
    const again = open(file);
    expect(again.isBlocked(A)).toBe(true);
    expect(again.get(A)?.blocked).toEqual({
      reason: "caught: 5 strikes in 5 checks",
      at: 5_000,
      by: "caught",
      evidence: ["j1", "j2"],
    });
  });

  it("clear forgets checks, reports and the block, keeps jobs and money; false for a stranger", async () => {
    const book = open(await bookFile());
    book.recordJob(A, "answered", 3_000);
    book.recordRefund(A, 1_000);
    book.recordCheck(A, "j1", "pass");
    book.recordCheck(A, "j2", "strike", 3_000);
    book.setReports(A, 2);
    book.block(A, "caught", "caught", ["j2"]);

    expect(book.clear(A)).toBe(true);
    expect(book.get(A)).toMatchObject({
      jobs: 1,
      paidMsats: 3_000,
      refundedMsats: 1_000,
      paidForBadMsats: 3_000,
      checksPassed: 0,
      checksFailed: 0,
      reports: 0,
      blocked: undefined,
    });
    expect(book.strikes(A)).toEqual([]);
    expect(book.isBlocked(A)).toBe(false);
    expect(book.clear(C)).toBe(false);
    expect(book.get(C)).toBeUndefined();
    // Blocked again after a clear: the new reason stands.
    book.block(A, "blocked by the user", "user");
    expect(book.get(A)?.blocked?.reason).toBe("blocked by the user");
  });

  it("setReports replaces the count (the last read of trusted buyers' labels)", async () => {
    const book = open(await bookFile());
    book.setReports(A, 3);
    book.setReports(A, 1);
    expect(book.get(A)?.reports).toBe(1);
    expect(book.get(A)?.jobs).toBe(0);
  });

  it("lists most recently seen first, ties by pubkey", async () => {
    const clock = { now: 1_000 };
    const book = open(await bookFile(), clock);
    book.recordJob(B, "answered");
    book.recordJob(C, "answered");
    clock.now = 2_000;
    book.recordJob(A, "answered");
    clock.now = 3_000;
    book.recordRefund(C, 1);
    expect(book.list().map((r) => r.pubkey)).toEqual([C, A, B]);
    clock.now = 4_000;
    book.recordJob(B, "answered");
    book.recordJob(A, "answered");
    expect(book.list().map((r) => r.pubkey)).toEqual([A, B, C]);
  });

  it("an in-memory book works and forgets on close", () => {
    const book = ReputationBook.open(":memory:");
    book.recordJob(A, "answered");
    expect(book.list()).toHaveLength(1);
    book.close();
    const fresh = open(":memory:");
    expect(fresh.list()).toEqual([]);
  });

  it("two handles on one file see each other's writes", async () => {
    const file = await bookFile();
    const first = open(file);
    const second = open(file);
    first.recordJob(A, "answered", 10);
    second.recordJob(A, "answered", 20);
    first.block(B, "user said so", "user");
    expect(second.get(A)).toMatchObject({ jobs: 2, paidMsats: 30 });
    expect(second.isBlocked(B)).toBe(true);
  });
});

describe("ReputationBook with concurrent writers (WAL)", () => {
  beforeAll(() => {
    if (!existsSync(fileURLToPath(new URL("../dist/index.js", import.meta.url)))) {
      throw new Error("the concurrent-writer test runs the built package: npx tsc -b packages/trust");
    }
  });

  it("two processes writing the same file at once lose no update", { timeout: 60_000 }, async () => {
    const file = await bookFile();
    ReputationBook.open(file).close(); // creates the schema first, as a running buyer would have
    const count = 300;
    const run = (pubkey: string) =>
      new Promise<void>((resolve, reject) => {
        const child = spawn(process.execPath, [WRITER, file, pubkey, String(count)], {
          stdio: ["ignore", "pipe", "pipe"],
        });
        cleanup.add(() => {
          if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
        });
        let err = "";
        child.stderr?.on("data", (d) => {
          err += d;
        });
        const timer = setTimeout(() => reject(new Error(`writer ${pubkey} timed out: ${err}`)), 45_000);
        child.on("exit", (code) => {
          clearTimeout(timer);
          if (code === 0) resolve();
          else reject(new Error(`writer ${pubkey} exited ${code}: ${err}`));
        });
      });
    await Promise.all([run(A), run(B)]);
    const book = open(file);
    expect(book.get(A)).toMatchObject({ jobs: count, paidMsats: count * 1_000 });
    expect(book.get(B)).toMatchObject({ jobs: count, paidMsats: count * 1_000 });
    const shared = book.get("shared");
    expect(shared).toMatchObject({
      jobs: 2 * count,
      paidMsats: 2 * count,
      checksPassed: 2 * count * 0.9,
      checksFailed: 2 * count * 0.1,
      paidForBadMsats: 2 * count * 0.1,
    });
    expect(book.strikes("shared")).toHaveLength(2 * count * 0.1);
  });
});
