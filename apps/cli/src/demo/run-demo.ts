/**
 * `pylon demo`: the whole market in one process tree, offline. A local relay and a local testnet mint on
 * free loopback ports, K provider nodes that require Cashu payment serving a GGUF through llama.cpp, a
 * buyer wallet funded from the mint, and an RLM run over a generated S-NIAH context whose sub-calls go to
 * the providers as paid NIP-90 jobs (Cashu tabs). Then the accounting, to the sat, after everything that
 * holds money has settled. Everything it started is stopped before it returns, also on failure or abort.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { readNodeEarnings } from "@pylon/provider";
import {
  formatModelSpec,
  type ModelSpec,
  openModels,
  type RecordListener,
  runRlm,
  SandboxPool,
} from "@pylon/rlm";
import { generateSniah } from "@pylon/rlm/tasks";
import { cashuTabStrategy, createSwarm, RunStore, tabMoney, walletFeeSats } from "@pylon/swarm";
import { openWallet } from "@pylon/wallet";
import { type ProviderMoney, settleAccounts } from "./accounting.js";
import { demoRoot } from "./demo-root.js";
import { DEMO_IN_FLIGHT, startMarket } from "./market.js";
import type { DemoProviderReport, DemoReport } from "./report.js";
import { once, Stack } from "./stack.js";
import { SubcallTally } from "./subcall-tally.js";

export interface DemoOptions {
  providers: number;
  root: ModelSpec;
  /** What the providers serve: a GGUF path or hf:/https URI; undefined = the generated tiny GGUF. */
  model: string | undefined;
  /** Where an hf:/https model is downloaded once and kept. */
  modelsDir: string;
  seed: number;
  logFile: string;
  /** Progress lines for people (stderr). */
  say: (line: string) => void;
  /** Every trajectory record as it is written (progress). */
  onRecord?: RecordListener;
  /** OpenAI-compatible endpoint for `--root openai:…`. */
  openai?: { baseURL?: string; apiKey?: string };
  signal: AbortSignal;
}

/**
 * S-NIAH size and split: about 33 sub-calls of ~1,000 characters each. Small parts keep the tiny model's
 * prompts short (its 470-token vocabulary needs ~0.8 tokens a character) so the demo stays well under 60 s.
 */
const SIZE_TOKENS = 8_192;
const PART_CHARS = 1_000;
/** Noise needs no length; a real model needs room for a number and a few words around it. */
const SUB_MAX_TOKENS = { tiny: 16, real: 48 };
const FUND_SATS = 1_000;
const DEPOSIT_SATS = 100;
const MAX_SPEND_SATS = 800;

export async function runDemo(opts: DemoOptions): Promise<DemoReport> {
  const started = performance.now();
  const stack = new Stack();
  let report: DemoReport;
  let stopProblems: string[] = [];
  try {
    const dir = stack.add("the temp folder", await mkdtemp(join(tmpdir(), "pylon-demo-")), (d) =>
      rm(d, { recursive: true, force: true }),
    );
    // Pyodide takes seconds to start: start the REPL now, beside the market, and hand it to the run.
    const sandboxes = stack.add("the Python REPL", new SandboxPool(), (pool) => pool.close());
    const replReady = sandboxes
      .acquire(async (request) => request.prompts.map(() => "Error: no run yet"))
      .then((lease) => lease.release());
    replReady.catch(() => undefined); // awaited before the run; this only keeps an early failure handled
    const tinyModel = opts.model === undefined;
    const subMaxTokens = tinyModel ? SUB_MAX_TOKENS.tiny : SUB_MAX_TOKENS.real;
    const market = await startMarket(stack, {
      dir,
      providers: opts.providers,
      model: opts.model,
      modelsDir: opts.modelsDir,
      maxTokens: subMaxTokens,
      say: opts.say,
      signal: opts.signal,
    });
    const stopProviders = once(() => Promise.all(market.providers.map((node) => node.stop())));
    stack.add("the providers", stopProviders, (stop) => stop());
    opts.signal.throwIfAborted();

    const wallet = stack.add(
      "the buyer wallet",
      await openWallet({
        dbPath: join(dir, "buyer", "wallet.db"),
        seedPath: join(dir, "buyer", "seed"),
        mintUrls: [market.mint.url],
      }),
      (w) => w.close(),
    );
    await wallet.fund(FUND_SATS);
    opts.say(`buyer      wallet funded with ${FUND_SATS} testnet sats from the local mint`);

    const payment = cashuTabStrategy({
      wallet,
      mintUrl: market.mint.url,
      depositSats: DEPOSIT_SATS,
      maxSpendSats: MAX_SPEND_SATS,
    });
    const swarm = await createSwarm({
      relays: [market.relay.url],
      payment,
      store: join(dir, "buyer", "swarm.db"),
    });
    const closeSwarm = once(() => swarm.close()); // closes the tabs: refunds come back to the wallet
    stack.add("the swarm", closeSwarm, (close) =>
      close().catch((error: unknown) => {
        // Interrupted mid-job, a tab may refuse to close; its testnet sats vanish with the in-memory mint.
        if (!opts.signal.aborted) throw error;
        opts.say("stopping   tabs with jobs still running were left open (testnet sats, gone with the mint)");
      }),
    );
    await swarm.directory.waitFor(opts.providers, 15_000);
    opts.say(`buyer      found ${opts.providers} live providers through their NIP-89 announcements`);
    opts.signal.throwIfAborted();

    const task = generateSniah(SIZE_TOKENS, opts.seed);
    const scripted = opts.root.kind === "scripted";
    const models = await openModels(opts.root, swarm, {
      scripted: { root: demoRoot({ question: task.question, partChars: PART_CHARS }) },
      ...(opts.openai ? { openai: opts.openai } : {}),
      llama: { gpu: "auto" },
    });
    stack.add("the root model", models, (m) => m.close());

    await replReady;
    const tally = new SubcallTally(task.gold);
    const result = await runRlm({
      question: task.question,
      context: task.context,
      root: models.root,
      sub: models.sub,
      concurrency: opts.providers * DEMO_IN_FLIGHT,
      subMaxTokens,
      budget: { sats: MAX_SPEND_SATS },
      logFile: opts.logFile,
      sandboxes,
      signal: opts.signal,
      onRecord: (record) => {
        tally.onRecord(record);
        opts.onRecord?.(record);
      },
    });
    opts.signal.throwIfAborted();
    const counters = { ...swarm.counters };

    // Settle, then read the figures from the providers' databases once they have stopped.
    // Providers redeem the deposits first, so each tab's refund at close is paid from ecash already in hand.
    opts.say("settling   each provider redeems its tab deposit at the mint");
    await Promise.all(market.providers.map((node) => node.payments?.redeemNow()));
    opts.say("settling   the buyer closes its tabs; each provider refunds the balance");
    await closeSwarm();
    opts.say(`settling   ${payment.refundedSats} sats refunded into the buyer's wallet`);
    const tabsByProvider = new Map(payment.tabs().map((tab) => [tab.provider, tab]));
    const served = new Map(market.providers.map((node) => [node.pubkey, node.status().jobs.served]));
    await stopProviders(); // each redeems once more on the way out: nothing should be left to redeem
    const money: ProviderMoney[] = market.providers.map((node) => {
      const tab = tabsByProvider.get(node.pubkey);
      return {
        earnedSats: readNodeEarnings(node.config.dataDir)?.walletSats ?? 0,
        chargedMsats: tab?.chargedMsats ?? 0,
        depositedMsats: tab?.depositedMsats ?? 0,
        refundedMsats: tab?.refundedMsats ?? 0,
      };
    });
    const accounting = await settleAccounts(wallet, market.mint, FUND_SATS, money);
    const buyerStore = RunStore.open(join(dir, "buyer", "swarm.db"));
    const receipt = {
      spentSats: accounting.spentSats,
      feeSats: walletFeeSats(wallet.history({ limit: 100_000 })),
      ...tabMoney(buyerStore.tabs.events(swarm.pubkey, market.mint.url), payment.unsentSats),
    };
    buyerStore.close();

    const providers: DemoProviderReport[] = market.providers.map((node, i) => ({
      npub: node.npub,
      pubkey: node.pubkey,
      subcallsAnswered: tally.provider(node.pubkey).answered,
      subcallSats: tally.provider(node.pubkey).sats,
      jobsServed: served.get(node.pubkey) ?? 0,
      chargedMsats: money[i]?.chargedMsats ?? 0,
      earnedSats: money[i]?.earnedSats ?? 0,
    }));
    const correct = task.score(result.answer) === 1;
    report = {
      ok: result.answer !== null && accounting.holds && (correct || !scripted),
      task: {
        kind: "sniah",
        seed: opts.seed,
        sizeTokens: SIZE_TOKENS,
        chars: task.context.length,
        question: task.question,
        gold: task.gold,
        depth: task.depth,
      },
      root: scripted
        ? "scripted (a deterministic stand-in, not a language model)"
        : formatModelSpec(opts.root),
      model: tinyModel ? "generated tiny GGUF (random weights)" : market.model,
      answer: result.answer,
      correct,
      answerSource: scripted
        ? "the scripted root's Python code: a regex over the context found the needle (no model wrote this answer)"
        : `the root model (${formatModelSpec(opts.root)})`,
      stoppedBy: result.stoppedBy,
      error: result.error ?? null,
      subcalls: {
        total: tally.total,
        answered: tally.answered,
        failed: tally.failed,
        namingGold: tally.namingGold,
        needlePartReply: tally.needlePartReply ?? null,
        note: tinyModel
          ? "they ran on the tiny random-weight model, paid per token: real jobs, but their text is noise"
          : `they ran on ${market.model}`,
      },
      jobs: counters,
      providers,
      money: {
        ...accounting,
        depositedSats: payment.lockedSats,
        depositSwaps: payment.depositSwaps,
        refundedSats: payment.refundedSats,
        chargedMsats: money.reduce((sum, p) => sum + p.chargedMsats, 0),
        receipt,
      },
      relay: market.relay.url,
      mint: market.mint.url,
      wallMs: 0,
      logPath: opts.logFile,
      stopProblems: [],
    };
  } finally {
    opts.say("stopping   everything the demo started");
    stopProblems = await stack.stop();
    for (const problem of stopProblems) opts.say(`warning: ${problem}`);
  }
  // Wall time includes stopping everything: the demo is over when nothing it started runs any more.
  report.wallMs = Math.round(performance.now() - started);
  report.stopProblems = stopProblems;
  report.ok &&= stopProblems.length === 0;
  return report;
}
