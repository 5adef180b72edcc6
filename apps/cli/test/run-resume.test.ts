/**
 * Fault test of `pylon run` over a paid market: the orchestrator is SIGKILLed mid-run, then
 * `pylon run --resume <run>` finishes it. Everything real except the models: a local relay, a local testnet
 * mint (input fee 100 ppk), 3 provider nodes requiring Cashu tabs (real `startProvider`) that serve a
 * SCRIPTED backend (rlm's keywordSub, 250 ms a job), the scripted map-reduce root, and `pylon run` itself
 * as a child process sharing one data dir (buyer key, run store, wallet) across both invocations.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { generateSniah } from "@pylon/rlm/tasks";
import { RunStore, subcallKey } from "@pylon/swarm";
import { waitFor } from "@pylon/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Cli, CliHarness } from "./run-cli.js";
import { fundBuyer, generations, openBuyer, type PaidMarket, startPaidMarket } from "./run-market.js";

const harness = new CliHarness();
let market: PaidMarket;
const FUNDED = 1_000;
const SUB_MAX_TOKENS = 64;
/**
 * About 67 sub-calls of 600 characters: at testkit's PRICES each provider's share costs well under the
 * 100-sat deposit that opens its tab, so the resumed run must reuse that tab rather than top it up.
 */
const CONTEXT_TOKENS = 10_000;
const PART_CHARS = 600;

beforeAll(async () => {
  market = await startPaidMarket(harness.cleanup, { nodes: 3, latencyMs: 250, slots: 4, inputFeePpk: 100 });
}, 60_000);

afterAll(() => harness.cleanup.run(), 60_000);

/** The sub-call key the swarm stores for a prompt sent with llm_batch (one user message). */
function keyOf(prompt: string): string {
  return subcallKey(
    { messages: [{ role: "user", content: prompt }], maxTokens: SUB_MAX_TOKENS, depth: 1, runId: "" },
    undefined,
  );
}

/** The sub-call counts of the latest progress line. */
function progress(cli: Cli): { dispatched: number; done: number } {
  const last = [...cli.stderr().matchAll(/sub-calls (\d+) dispatched, (\d+) done/g)].at(-1);
  return { dispatched: Number(last?.[1] ?? 0), done: Number(last?.[2] ?? 0) };
}

describe("pylon run over a paid market, killed and resumed (SCRIPTED root and SCRIPTED provider backends)", () => {
  it("SIGKILL mid-run, then --resume: the answer comes, every sub-call answered once, no prompt paid twice, every sat accounted", async () => {
    const home = await harness.home("pylon-run-resume-");
    await fundBuyer(market, home, FUNDED);
    const task = generateSniah(CONTEXT_TOKENS, 11);
    const contextFile = join(home, "haystack.txt");
    writeFileSync(contextFile, task.context);
    const parts = Math.ceil(task.context.length / PART_CHARS);
    expect(parts).toBeGreaterThanOrEqual(60);

    // No --sub: with a relay given, the market is the sub-call backend.
    const first = await harness.start(
      [
        "run",
        task.question,
        "--context",
        contextFile,
        "--root",
        "scripted",
        "--relay",
        market.relay.url,
        "--mint",
        market.mint.url,
        "--providers",
        "3",
        "--subcall-chars",
        String(PART_CHARS),
        "--sub-max-tokens",
        String(SUB_MAX_TOKENS),
        "--budget",
        "500",
        "--progress-interval",
        "100",
        // Spot checks re-ask prompts by design (their cost is in the receipt's trust section): off here,
        // where every generation must be one sub-call's job.
        "--no-checks",
      ],
      { env: { PYLON_HOME: home } },
    );
    const [, runId] = (await first.waitForStderr(/pylon: run (\S+) \(resume with/, 30_000)) as unknown as [
      string,
      string,
    ];
    // Killed once part of the batch is answered and the next slots have just gone out (the progress line,
    // printed every 100 ms, says so; a job takes 250 ms), well before the end: some jobs are in flight.
    await waitFor(
      () => {
        const { dispatched, done } = progress(first);
        return done >= 15 && dispatched - done >= 4;
      },
      "15 answered sub-calls and more in flight",
      60_000,
    );
    first.child.kill("SIGKILL");
    expect((await first.exited).signal).toBe("SIGKILL");
    const generationsAtKill = generations(market);
    const depositedAtKill = market.nodes.map(({ node }) => node.payments!.tabTotals().depositedMsats);
    expect(first.stderr()).toMatch(
      /pylon: [\d.]+s \| iteration 2 \| sub-calls \d+ dispatched, \d+ done, 0 failed \| jobs \d+ sent, \d+ retried, \d+ hedged \| providers \d used of 3 live \| sats [\d.]+ reserved, [\d.]+ spent, \d+ locked in tabs/,
    );

    // What the killed run left in its store.
    const storeFile = join(home, "swarm.db");
    const before = RunStore.open(storeFile);
    const answeredBefore = new Set(
      before
        .subcalls(runId)
        .filter((s) => s.status === "answered")
        .map((s) => s.hash),
    );
    const jobsBefore = before.jobs(runId);
    before.close();
    const inFlightAtKill = jobsBefore.filter((job) => job.status === "sent");
    expect(answeredBefore.size).toBeGreaterThanOrEqual(15);
    expect(answeredBefore.size).toBeLessThan(parts);

    // Resumed by run id alone: question, context and flags come from the run's manifest.
    const second = await harness.start(["run", "--resume", runId, "--json"], { env: { PYLON_HOME: home } });
    const exit = await second.exited;
    expect(exit.code, second.stderr()).toBe(0);
    const receipt = JSON.parse(second.stdout()) as {
      answer: string;
      run: string;
      resume: string;
      subcalls: number;
      jobs: { sent: number; memoHits: number; recovered: number; failed: number };
      providers: { used: number };
      sats: {
        spent: number;
        charged: number;
        rests: number;
        fees: number;
        reclaimable: number;
        run: { deposited: number; charged: number; refunded: number };
      };
      logPath: string;
    };
    expect(task.score(receipt.answer)).toBe(1);
    expect(receipt.run).toBe(runId);
    expect(receipt.resume).toBe(`pylon run --resume ${runId}`);
    expect(receipt.jobs.failed).toBe(0);
    // Everything answered before the kill came from the store, not the market.
    expect(receipt.jobs.memoHits).toBe(answeredBefore.size);
    // Both invocations appended to one log.
    const log = readFileSync(receipt.logPath, "utf8").trim().split("\n");
    expect(log.filter((line) => line.includes('"type":"run"')).length).toBeGreaterThanOrEqual(2);

    const after = RunStore.open(storeFile);
    const subcalls = after.subcalls(runId);
    const jobs = after.jobs(runId);
    after.close();
    const resumedJobs = jobs.filter((job) => !jobsBefore.some((b) => b.jobId === job.jobId));
    expect(resumedJobs).toHaveLength(receipt.jobs.sent);

    // Every sub-call answered exactly once: one row per question, answered, by a job that answered.
    expect(subcalls.length).toBeGreaterThanOrEqual(parts);
    expect(new Set(subcalls.map((s) => s.hash)).size).toBe(subcalls.length);
    const jobById = new Map(jobs.map((job) => [job.jobId, job]));
    for (const s of subcalls) {
      expect(s.status).toBe("answered");
      expect(jobById.get(s.jobId ?? "")?.status).toBe("answered");
    }
    // Nothing answered before the kill was sent again.
    expect(resumedJobs.filter((job) => answeredBefore.has(job.hash))).toEqual([]);
    // Jobs in flight at the kill: read back from the relay (that same job now answers the sub-call, and
    // nothing new went out for it), or, had one never reached a provider, given up and sent afresh.
    const recovered = inFlightAtKill.filter((job) =>
      subcalls.some((s) => s.hash === job.hash && s.jobId === job.jobId),
    );
    expect(recovered.length).toBe(receipt.jobs.recovered);
    expect(recovered.length).toBeGreaterThan(0);
    for (const job of recovered) expect(resumedJobs.filter((r) => r.hash === job.hash)).toEqual([]);
    for (const job of inFlightAtKill.filter((j) => !recovered.includes(j)))
      expect(jobById.get(job.jobId)?.status).not.toBe("answered");

    // No prompt paid twice. Every job a provider ran is a recorded job of ours, and the providers never
    // ran one request twice: per prompt, generations ≤ jobs recorded for its sub-call; a sub-call with one
    // job was generated exactly once; prompts answered before the kill were not generated again after it.
    const generated = generations(market);
    const jobsPerHash = new Map<string, number>();
    for (const job of jobs) jobsPerHash.set(job.hash, (jobsPerHash.get(job.hash) ?? 0) + 1);
    expect(generated.size).toBe(subcalls.length);
    for (const [prompt, count] of generated) {
      const hash = keyOf(prompt);
      const sent = jobsPerHash.get(hash) ?? 0;
      expect(sent, `prompt with hash ${hash.slice(0, 8)} was never sent, yet generated`).toBeGreaterThan(0);
      expect(count).toBeLessThanOrEqual(sent);
      if (sent === 1) expect(count).toBe(1);
      if (answeredBefore.has(hash)) expect(count).toBe(generationsAtKill.get(prompt));
    }

    // Every sat accounted for: the buyer's spending = providers' ecash + mint fees + what it can reclaim.
    let providersEcash = 0;
    let providersDepositedMsats = 0;
    let providersChargedMsats = 0;
    let providersRefundedMsats = 0;
    for (const [i, { node }] of market.nodes.entries()) {
      await node.payments?.redeemNow();
      const totals = node.payments!.tabTotals();
      expect(totals.depositedMsats).toBe(
        totals.balanceMsats + totals.reservedMsats + totals.chargedMsats + totals.refundedMsats,
      );
      expect(totals.reservedMsats).toBe(0);
      // The resumed run reused the tab the killed one had opened there: no second deposit.
      expect(totals.depositedMsats).toBe(depositedAtKill[i]);
      expect(totals.depositedMsats).toBeGreaterThan(0);
      const earnings = node.status().earnings!;
      expect(earnings.heldSats).toBe(0);
      expect(earnings.lostSats).toBe(0);
      providersEcash += earnings.walletSats;
      providersDepositedMsats += totals.depositedMsats;
      providersChargedMsats += totals.chargedMsats;
      providersRefundedMsats += totals.refundedMsats;
    }
    // The run's receipt (its tab events over both invocations) agrees with the providers' tabs.
    expect(Math.round(receipt.sats.run.deposited * 1000)).toBe(providersDepositedMsats);
    expect(Math.round(receipt.sats.run.charged * 1000)).toBe(providersChargedMsats);
    expect(Math.round(receipt.sats.run.refunded * 1000)).toBe(providersRefundedMsats);
    // This invocation's receipt adds up to the wallet's outflow, to the sat (docs/payments.md).
    const { spent, charged, rests, fees, reclaimable } = receipt.sats;
    expect(Math.round((charged + rests + fees + reclaimable) * 1000)).toBe(spent * 1000);
    const buyer = await openBuyer(market, home);
    try {
      await buyer.checkPending();
      const balance = buyer.balance().total;
      const stats = market.mint.stats();
      const spent = FUNDED - balance.unspent - balance.reserved;
      expect(spent).toBe(providersEcash + stats.inputFees + stats.lightningFees + balance.pending);
      expect(stats.minted).toBe(FUNDED);
      console.log(
        `resume: ${parts} parts; killed with ${answeredBefore.size} answered and ${inFlightAtKill.length} in flight; ` +
          `resumed: ${receipt.jobs.memoHits} from memo, ${receipt.jobs.recovered} recovered, ${receipt.jobs.sent} sent; ` +
          `${[...generated.values()].reduce((a, b) => a + b, 0)} generations for ${generated.size} prompts; ` +
          `spent ${spent} = providers ${providersEcash} + fees ${stats.inputFees + stats.lightningFees} + reclaimable ${balance.pending}`,
      );
    } finally {
      buyer.close();
    }
  }, 180_000);
});
