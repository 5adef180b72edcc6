/**
 * One buyer run through the trust market: a fresh buyer key and swarm paying through Cashu tabs, with spot
 * checks on or off, `subcalls` greedy sub-calls in concurrent batches; while it runs, each catch is noticed
 * (the trust report polled) and the caught node's books read at that moment. Afterwards: per node, what it
 * did and was paid in this run (book deltas), the answers the RLM got from cheated jobs, and the jobs the
 * buyer sent to a provider after catching it (from the run store).
 */
import path from "node:path";
import { createPrng } from "@pylon/inference";
import type { SubcallResult } from "@pylon/rlm";
import { cashuTabStrategy, createSwarm } from "@pylon/swarm";
import { ReputationBook } from "@pylon/trust";
import Database from "better-sqlite3";
import { swarmHasTrust, type TrustReportLike, trustReport, withTrust } from "./contract.js";
import type { NodeSnapshot } from "./llama-child.js";
import { trustPrompts, trustRequest, WORST_TRUST_JOB_MSATS } from "./prompts.js";
import type { TrustMarket } from "./trust-market.js";

export interface RunSpec {
  label: string;
  subcalls: number;
  checks: boolean;
  seed: number;
  /** The reputation book file (kept across runs and restarts). */
  book: string;
  modelDigest?: string | undefined;
  batch: number;
  concurrentBatches: number;
  /** Hard cap on the dispatch, s. */
  maxSeconds: number;
  log: (line: string) => void;
}

export interface NodeRun {
  label: string;
  pubkey: string;
  cheat: string | undefined;
  jobs: number;
  cheated: number;
  chargedMsats: number;
  /** Answers the RLM got from this node's cheated jobs. */
  badDelivered: number;
  /** The book blocked it before this run (caught in an earlier one). */
  blockedAtStart: boolean;
  /** Its strikes in the book this run (checks where its answer was the odd one out), catch or not. */
  strikes: number;
  /** Set when caught in this run. */
  caught?: {
    jobsBeforeCaught: number;
    strikes: number;
    paidMsats: number;
    paidForBadMsats: number;
    /** The node's own counts when the buyer noticed the catch. */
    jobsAtCatch: number;
    cheatedAtCatch: number;
    /** Charged on its tabs after the catch was noticed (jobs in flight then), msats. */
    chargedAfterCatchMsats: number;
    /** Jobs (ordinary and check jobs) the buyer sent it after the catch: must be 0. */
    jobsSentAfterCatch: number;
  };
}

export interface RunResult {
  label: string;
  checks: boolean;
  /** Checks were asked for and this build's swarm applies them. */
  checksApplied: boolean;
  subcalls: number;
  answered: number;
  failed: number;
  wallSec: number;
  trust: TrustReportLike | undefined;
  nodes: NodeRun[];
  /** The buyer's tabs not closed after the swarm closed (must be 0). */
  tabsOpen: number;
  closeError?: string;
}

export async function runOnce(market: TrustMarket, spec: RunSpec): Promise<RunResult> {
  const depositSats = Math.max(
    20,
    Math.ceil((spec.subcalls / market.nodes.length) * (WORST_TRUST_JOB_MSATS / 1000) * 0.5),
  );
  const strategy = cashuTabStrategy({
    wallet: market.wallet,
    mintUrl: market.mintUrl,
    depositSats,
    lockSeconds: 3_600,
  });
  const storeFile = path.join(market.dir, `run-${spec.label}.db`);
  // Providers the book already blocks may never show in the directory: wait for the others only.
  const book = ReputationBook.open(spec.book);
  const blockedAtStart = new Set(market.nodes.filter((n) => book.isBlocked(n.pubkey)).map((n) => n.pubkey));
  const strikesBefore = strikesOf(book);
  book.close();
  const swarm = await createSwarm(
    withTrust(
      {
        relays: [market.relayUrl],
        payment: strategy,
        store: storeFile,
        runId: spec.label,
        hedge: false,
        ackTimeoutMs: 5_000,
        deadlineMs: 120_000,
        maxAttempts: 6,
      },
      {
        book: spec.book,
        // Seeded: the same jobs checked, at the same moments in the sequence, for the same seed.
        checks: spec.checks ? { random: createPrng(spec.seed * 31 + 5) } : false,
        ...(spec.modelDigest ? { modelDigest: spec.modelDigest } : {}),
      },
    ),
  );
  let closed = false;
  try {
    await swarm.directory.waitFor(market.nodes.length - blockedAtStart.size, 30_000);
    const before = await market.books();
    const atCatch = new Map<string, NodeSnapshot & { at: number }>();
    const readings: Array<Promise<unknown>> = [];
    // Catches as they happen: read the caught node's books at once (what it got after is in-flight work).
    const notice = () => {
      for (const c of trustReport(swarm)?.caught ?? []) {
        if (atCatch.has(c.pubkey)) continue;
        const node = market.nodes.find((n) => n.pubkey === c.pubkey);
        atCatch.set(c.pubkey, {
          label: "",
          pubkey: c.pubkey,
          jobs: 0,
          cheated: 0,
          paymentRequired: 0,
          at: c.at,
        });
        const reading = node?.child.ask("snapshot").then((reply) => {
          const now = (reply.nodes as NodeSnapshot[]).find((n) => n.pubkey === c.pubkey);
          if (now) atCatch.set(c.pubkey, { ...now, at: c.at });
        });
        if (reading) readings.push(reading.catch(() => undefined));
      }
    };
    const watcher = setInterval(notice, 100);
    const prompts = trustPrompts(spec.subcalls, spec.seed);
    const results: Array<SubcallResult | undefined> = new Array(spec.subcalls);
    const cap = AbortSignal.timeout(spec.maxSeconds * 1000);
    const started = performance.now();
    let next = 0;
    let done = 0;
    const worker = async () => {
      while (next < spec.subcalls && !cap.aborted) {
        const first = next;
        const count = Math.min(spec.batch, spec.subcalls - first);
        next += count;
        const batch = prompts.slice(first, first + count).map((p) => trustRequest(p, spec.label));
        (await swarm.complete(batch, cap)).forEach((r, k) => {
          results[first + k] = r;
        });
        done += count;
        if (Math.floor(((done - count) * 10) / spec.subcalls) !== Math.floor((done * 10) / spec.subcalls))
          spec.log(
            `  ${spec.label}: ${done}/${spec.subcalls} after ${((performance.now() - started) / 1000).toFixed(1)} s`,
          );
      }
    };
    await Promise.all(Array.from({ length: spec.concurrentBatches }, worker));
    const wallSec = (performance.now() - started) / 1000;
    clearInterval(watcher);
    notice(); // a catch in the last 100 ms
    await Promise.all(readings); // every catch's books, read when it was noticed
    const trust = trustReport(swarm);
    const checksApplied = spec.checks && swarmHasTrust(swarm);
    const after = await market.books();
    let closeError: string | undefined;
    try {
      await swarm.close();
    } catch (error) {
      closeError = String(error);
    }
    closed = true;
    const sentAfter = jobsSentAfter(storeFile, spec.label, atCatch, spec.log);
    const bookAfter = ReputationBook.open(spec.book);
    const strikesAfter = strikesOf(bookAfter);
    bookAfter.close();
    const nodes = market.nodes.map((node): NodeRun => {
      const a = after.find((n) => n.pubkey === node.pubkey)!;
      const b = before.find((n) => n.pubkey === node.pubkey)!;
      const cheatedTexts = new Set(a.cheatedTexts ?? []);
      const caught = trust?.caught.find((c) => c.pubkey === node.pubkey);
      const snap = atCatch.get(node.pubkey);
      return {
        label: node.label,
        pubkey: node.pubkey,
        cheat: node.cheat,
        jobs: a.jobs - b.jobs,
        cheated: a.cheated - b.cheated,
        chargedMsats: (a.tabs?.chargedMsats ?? 0) - (b.tabs?.chargedMsats ?? 0),
        blockedAtStart: blockedAtStart.has(node.pubkey),
        strikes: (strikesAfter.get(node.pubkey) ?? 0) - (strikesBefore.get(node.pubkey) ?? 0),
        badDelivered: results.filter((r) => r?.ok && r.provider === node.pubkey && cheatedTexts.has(r.text))
          .length,
        ...(caught
          ? {
              caught: {
                jobsBeforeCaught: caught.jobsBeforeCaught,
                strikes: caught.strikes,
                paidMsats: caught.paidMsats,
                paidForBadMsats: caught.paidForBadMsats,
                jobsAtCatch: (snap?.jobs ?? 0) - b.jobs,
                cheatedAtCatch: (snap?.cheated ?? 0) - b.cheated,
                chargedAfterCatchMsats: (a.tabs?.chargedMsats ?? 0) - (snap?.tabs?.chargedMsats ?? 0),
                jobsSentAfterCatch: sentAfter.get(node.pubkey) ?? 0,
              },
            }
          : {}),
      };
    });
    const answered = results.filter((r) => r?.ok).length;
    return {
      label: spec.label,
      checks: spec.checks,
      checksApplied,
      subcalls: spec.subcalls,
      answered,
      failed: spec.subcalls - answered,
      wallSec,
      trust,
      nodes,
      tabsOpen: strategy.tabs().filter((t) => t.state !== "closed").length,
      ...(closeError ? { closeError } : {}),
    };
  } finally {
    if (!closed) await swarm.close().catch(() => undefined);
  }
}

/** Per caught provider, jobs of this run the buyer sent it after the catch (its `at`). */
function jobsSentAfter(
  storeFile: string,
  runId: string,
  caught: Map<string, { at: number }>,
  log: (line: string) => void,
): Map<string, number> {
  const db = new Database(storeFile, { readonly: true });
  try {
    const after = db.prepare(
      "SELECT sent_at AS sentAt, status, request IS NULL AS item FROM jobs WHERE run_id = ? AND provider = ? AND sent_at > ?",
    );
    return new Map(
      [...caught].map(([pubkey, { at }]) => {
        const rows = after.all(runId, pubkey, at) as Array<{ sentAt: number; status: string; item: number }>;
        // Said when any: how long after the catch, the job's state, and whether it was a batch item.
        for (const row of rows.slice(0, 5))
          log(
            `    job sent to ${pubkey.slice(0, 8)} ${row.sentAt - at} ms after its catch: ${row.status}${row.item ? " (batch item)" : ""}`,
          );
        return [pubkey, rows.length];
      }),
    );
  } finally {
    db.close();
  }
}

/** Strikes per provider in the book (checks where its answer was the odd one out). */
function strikesOf(book: ReputationBook): Map<string, number> {
  return new Map(book.list().map((record) => [record.pubkey, record.checksFailed]));
}
