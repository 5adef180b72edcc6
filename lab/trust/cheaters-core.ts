/**
 * The cheaters run: honest llama nodes and the four lab cheaters in one local paid market; the same seeded
 * sub-calls with spot checks off (what the cheaters got away with) and on, once per seed (each seed a fresh
 * buyer and a fresh reputation book); then the cheaters' process is SIGKILLed and restarted on the same
 * keys and a new swarm on the last book must still refuse the junk cheater; then the books are settled and
 * checked to the sat. Returns every figure and the pass/fail checks (report.ts prints them).
 */
import path from "node:path";
import { ReputationBook } from "@pylon/trust";
import { CHEATS, type Cheat } from "./cheat-backend.js";
import { modelIdentityOf } from "./contract.js";
import type { NodeSnapshot } from "./llama-child.js";
import { WORST_TRUST_JOB_MSATS } from "./prompts.js";
import { type RunResult, runOnce } from "./run-once.js";
import { startTrustMarket } from "./trust-market.js";

export interface CheatersOptions {
  subcalls: number;
  /** Sub-calls of the checks-off run. Default: `subcalls`. */
  subcallsOff?: number;
  /** Checks-on runs, seeds seed, seed+1, …; the checks-off run uses the first. */
  seeds: number;
  seed: number;
  checks: "on" | "off" | "both";
  honest: number;
  cheaters: readonly Cheat[];
  /** Sub-calls of the run after the cheaters' restart (0: no restart). */
  restartSubcalls: number;
  slots: number;
  queue: number;
  batch: number;
  concurrentBatches: number;
  maxSeconds: number;
  log: (line: string) => void;
}

export const CHEATERS_DEFAULTS: CheatersOptions = {
  subcalls: 5_000,
  seeds: 1,
  seed: 1,
  checks: "both",
  honest: 12,
  cheaters: CHEATS,
  restartSubcalls: 300,
  slots: 4,
  queue: 8,
  batch: 100,
  concurrentBatches: 4,
  maxSeconds: 1_800,
  log: (line) => console.error(line),
};

export interface Check {
  name: string;
  ok: boolean;
  detail: string;
}

export interface AfterRestart {
  /** The junk cheater's block was read back from the book file after its process restarted. */
  blockedInBook: boolean;
  /** Jobs the junk cheater got from a new swarm on the same book (must be 0). */
  jobsGiven: number;
  run: RunResult;
}

export interface CheatersReport {
  options: Omit<CheatersOptions, "log">;
  modelDigest: string | undefined;
  runs: RunResult[];
  afterRestart: AfterRestart | undefined;
  money: {
    fundedSats: number;
    spentSats: number;
    earnedSats: number;
    feeSats: number;
    reclaimableSats: number;
  };
  checks: Check[];
  ok: boolean;
  marketSec: number;
  totalSec: number;
}

export async function runCheaters(partial: Partial<CheatersOptions> = {}): Promise<CheatersReport> {
  const o: CheatersOptions = { ...CHEATERS_DEFAULTS, ...partial };
  const started = performance.now();
  const seeds = Array.from({ length: o.checks === "off" ? 0 : o.seeds }, (_, i) => o.seed + i);
  const totalSubcalls = o.subcalls * (seeds.length + (o.checks === "on" ? 0 : 1)) + o.restartSubcalls + 200;
  // Every job at its worst case, twice over (check jobs, tab deposits not yet refunded between runs).
  const fundedSats = Math.ceil((totalSubcalls * WORST_TRUST_JOB_MSATS * 2) / 1000) + 2_000;
  const market = await startTrustMarket({ ...o, fundSats: fundedSats, seed: o.seed, log: o.log });
  try {
    const marketSec = (performance.now() - started) / 1000;
    const modelDigest = (await modelIdentityOf(market.honestModel))?.digest;
    o.log(
      `cheaters: ${market.nodes.length} paid llama nodes up in ${marketSec.toFixed(1)} s ` +
        `(${o.honest} honest, cheaters: ${o.cheaters.join(", ")}); model digest ${modelDigest ?? "not computed by this build"}`,
    );
    const base = {
      subcalls: o.subcalls,
      modelDigest,
      batch: o.batch,
      concurrentBatches: o.concurrentBatches,
      maxSeconds: o.maxSeconds,
      log: o.log,
    };
    const runs: RunResult[] = [];
    const bookFile = (label: string) => path.join(market.dir, `book-${label}.db`);
    // Unreported: the first run pays for warming up (llama's first decodes, the relay's and wallet's first
    // work), which would otherwise count against whichever mode runs first. Its tabs are checked.
    const warmUp = await runOnce(market, {
      ...base,
      subcalls: Math.max(40, Math.min(200, Math.round(o.subcalls / 10))),
      label: "warm-up",
      checks: false,
      seed: o.seed + 500,
      book: bookFile("warm-up"),
    });
    if (o.checks !== "on") {
      const label = `off-s${o.seed}`;
      const subcalls = o.subcallsOff ?? o.subcalls;
      runs.push(
        await runOnce(market, {
          ...base,
          subcalls,
          label,
          checks: false,
          seed: o.seed,
          book: bookFile(label),
        }),
      );
    }
    for (const seed of seeds) {
      const label = `on-s${seed}`;
      runs.push(await runOnce(market, { ...base, label, checks: true, seed, book: bookFile(label) }));
    }
    for (const run of runs)
      o.log(`  ${run.label}: ${run.answered}/${run.subcalls} answered in ${run.wallSec.toFixed(1)} s`);

    // A caught cheater restarted on the same key is still blocked: the book is keyed by pubkey, on disk.
    let afterRestart: AfterRestart | undefined;
    const lastOn = runs.filter((r) => r.checksApplied).at(-1);
    const junk = lastOn?.nodes.find((n) => n.cheat === "junk" && n.caught);
    if (o.restartSubcalls > 0 && lastOn && junk) {
      o.log(`  SIGKILL and restart of the cheaters' process (same data dirs and keys)`);
      await market.restart(market.cheaters);
      const book = ReputationBook.open(bookFile(lastOn.label));
      const blockedInBook = book.isBlocked(junk.pubkey);
      book.close();
      const run = await runOnce(market, {
        ...base,
        subcalls: o.restartSubcalls,
        label: "after-restart",
        checks: true,
        seed: o.seed + 1_000,
        book: bookFile(lastOn.label),
      });
      runs.push(run);
      afterRestart = {
        blockedInBook,
        jobsGiven: run.nodes.find((n) => n.pubkey === junk.pubkey)?.jobs ?? -1,
        run,
      };
    }

    const books = await market.books("report");
    const mint = await market.mintStats();
    await market.wallet.checkPending();
    const balance = market.wallet.balance().total;
    const sum = (f: (n: NodeSnapshot) => number) => books.reduce((s, n) => s + f(n), 0);
    const earnedSats = sum((n) => (n.earnings as { walletSats?: number } | undefined)?.walletSats ?? 0);
    const money = {
      fundedSats,
      spentSats: fundedSats - balance.unspent - balance.reserved,
      earnedSats,
      feeSats: mint.inputFees + mint.lightningFees,
      reclaimableSats: balance.pending,
    };
    const checks = checksOf(o, runs, warmUp, afterRestart, money, books, mint.minted);
    return {
      options: { ...o, log: undefined } as unknown as CheatersReport["options"],
      modelDigest,
      runs,
      afterRestart,
      money,
      checks,
      ok: checks.every((c) => c.ok),
      marketSec,
      totalSec: (performance.now() - started) / 1000,
    };
  } finally {
    await market.close();
  }
}

function checksOf(
  o: CheatersOptions,
  runs: RunResult[],
  warmUp: RunResult,
  afterRestart: AfterRestart | undefined,
  money: CheatersReport["money"],
  books: NodeSnapshot[],
  minted: number,
): Check[] {
  const checks: Check[] = [];
  const check = (name: string, ok: boolean, detail = "") => checks.push({ name, ok, detail });
  const checked = runs.filter((r) => r.checksApplied && r.label !== "after-restart");
  if (o.checks !== "off")
    check(
      "spot checks applied (this build's swarm has trust)",
      checked.length > 0,
      checked.length > 0 ? `${checked.length} run(s)` : "the swarm has no trust(): runs were checks-off runs",
    );
  for (const run of checked) {
    const honestCaught = run.nodes.filter((n) => !n.cheat && n.caught).map((n) => n.label);
    check(`${run.label}: no honest provider flagged`, honestCaught.length === 0, honestCaught.join(", "));
    for (const cheat of o.cheaters) {
      const node = run.nodes.find((n) => n.cheat === cheat);
      check(
        `${run.label}: ${cheat} caught`,
        node?.caught !== undefined,
        node?.caught
          ? `after ${node.caught.jobsBeforeCaught} of its jobs`
          : `${node?.jobs ?? 0} jobs, not caught`,
      );
    }
    // Issue 15's detection targets, in jobs of the cheater's own.
    for (const [cheat, most] of [
      ["junk", 20],
      ["junk10", 300],
    ] as const) {
      const caught = run.nodes.find((n) => n.cheat === cheat)?.caught;
      if (caught)
        check(
          `${run.label}: ${cheat} caught within ${most} of its jobs`,
          caught.jobsBeforeCaught <= most,
          `after ${caught.jobsBeforeCaught}`,
        );
    }
    const after = run.nodes.filter((n) => (n.caught?.jobsSentAfterCatch ?? 0) > 0);
    check(
      `${run.label}: no job sent to a provider after its catch`,
      after.length === 0,
      after.map((n) => `${n.label}: ${n.caught?.jobsSentAfterCatch}`).join(", "),
    );
  }
  for (const run of [warmUp, ...runs]) {
    check(
      `${run.label}: every tab closed`,
      run.tabsOpen === 0 && !run.closeError,
      run.closeError ?? `${run.tabsOpen} open`,
    );
    check(
      `${run.label}: ≥ 99% answered`,
      run.answered >= 0.99 * run.subcalls,
      `${run.answered}/${run.subcalls}`,
    );
  }
  if (afterRestart)
    check(
      "after a restart the junk cheater stays blocked and gets no job",
      afterRestart.blockedInBook && afterRestart.jobsGiven === 0,
      `blocked in book: ${afterRestart.blockedInBook}; jobs given: ${afterRestart.jobsGiven}`,
    );
  const unbalanced = books.filter((n) => {
    const t = n.tabs;
    return (
      !t ||
      t.depositedMsats !== t.balanceMsats + t.reservedMsats + t.chargedMsats + t.refundedMsats ||
      t.reservedMsats !== 0
    );
  });
  check(
    "each provider's tabs balance, nothing left reserved",
    unbalanced.length === 0,
    unbalanced.map((n) => n.label).join(", "),
  );
  const { spentSats, earnedSats, feeSats, reclaimableSats } = money;
  check(
    "accounting invariant, to the sat: spent = providers' ecash + mint fees + reclaimable",
    spentSats === earnedSats + feeSats + reclaimableSats && minted === money.fundedSats,
    `${spentSats} = ${earnedSats} + ${feeSats} + ${reclaimableSats}; minted ${minted} of ${money.fundedSats} funded`,
  );
  return checks;
}
