/**
 * What paying for jobs costs: --jobs jobs spread over --providers providers, paid (a) with per-job locked
 * tokens and (b) from tabs (one deposit per provider). Bypasses Nostr and inference: it calls the payment
 * layer the node's admission calls (CashuPolicy.verifyPayment before the job, settle after it, with a
 * scripted usage), so the figures are the payments' own. The mint runs in a child process, so this
 * process's CPU time is the buyer's and the providers' only; every HTTP request to the mint is counted.
 *
 *   npm run bench:payments -w packages/provider -- [--jobs 1000] [--providers 8] [--json FILE]
 *   (= tsx bench/payments.ts …)
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { JobRequest, NostrEvent, TokenPrice } from "@pylon/protocol";
import { jobCostMsats } from "@pylon/protocol";
import { benchArgs, writeBenchJson } from "@pylon/testkit/bench";
import { KeysetDirectory, openWallet, PaymentLedger, type PylonWallet } from "@pylon/wallet";
import { quietLogger } from "../src/log.js";
import { CashuPolicy } from "../src/payments/cashu-policy.js";
import { TabBook } from "../src/payments/tabs.js";
import { quoteJob } from "../src/pricing.js";

const { values, json } = benchArgs({ jobs: 1000, providers: 8 });
const JOBS = values.jobs;
const PROVIDERS = values.providers;
const price: TokenPrice = { inputMsatsPer1k: 10_000, outputMsatsPer1k: 20_000, minimumMsats: 0 };
const USAGE = { inputTokens: 3, outputTokens: 50 };
const LOCK_SEC = 3_600;

let mintCalls = 0;
const realFetch = globalThis.fetch;
globalThis.fetch = (input, init) => {
  mintCalls++;
  return realFetch(input, init);
};

interface Provider {
  wallet: PylonWallet;
  ledger: PaymentLedger;
  policy: CashuPolicy;
  tabs: TabBook;
  key: string;
  privkey: string;
}

interface ModeResult {
  mode: string;
  jobs: number;
  buyerMintCalls: number;
  providerMintCallsDuringJobs: number;
  redeemMintCalls: number;
  mintCallsPerProvider: number;
  buyerCpuMsPerJob: number;
  providerCpuMsPerJob: number;
  /** Provider CPU per job for jobs that carried no token (tabs: the hot path); per-job tokens: same as above. */
  hotPathCpuMsPerJob: number;
  wallSec: number;
}

const temp = await mkdtemp(path.join(os.tmpdir(), "pylon-pay-bench-"));
const child = await startMintProcess();
try {
  const mintUrl = child.url;
  const buyer = await openWallet({
    dbPath: path.join(temp, "buyer.db"),
    seedPath: path.join(temp, "buyer.seed"),
    mintUrls: [mintUrl],
  });
  await buyer.fund(JOBS * 6 + PROVIDERS * 1_000);
  const callsBefore = mintCalls;
  const providers: Provider[] = [];
  for (let i = 0; i < PROVIDERS; i++) providers.push(await provider(i, mintUrl));
  const startupCalls = mintCalls - callsBefore;

  const perJob = await runPerJob(buyer, providers);
  const tabs = await runTabs(buyer, providers);
  const results = [perJob, tabs];

  console.log(
    `\n${JOBS} jobs to ${PROVIDERS} providers, payment layer only (Nostr and inference bypassed), mint in a child process; ` +
      `start-up keyset fetches (${startupCalls} requests, ${startupCalls / PROVIDERS} per provider) not counted below.\n`,
  );
  console.log(
    "| mode | buyer mint calls | provider mint calls during jobs | redeem mint calls | mint calls / provider | buyer CPU ms / job | provider CPU ms / job | of which hot path (no token) | wall s |",
  );
  console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const r of results) {
    console.log(
      `| ${r.mode} | ${r.buyerMintCalls} | ${r.providerMintCallsDuringJobs} | ${r.redeemMintCalls} | ${r.mintCallsPerProvider.toFixed(3)} | ${r.buyerCpuMsPerJob.toFixed(3)} | ${r.providerCpuMsPerJob.toFixed(3)} | ${r.hotPathCpuMsPerJob.toFixed(3)} | ${r.wallSec.toFixed(1)} |`,
    );
  }
  writeBenchJson(json, { jobs: JOBS, providers: PROVIDERS, startupMintCalls: startupCalls, results });
  buyer.close();
  for (const p of providers) {
    p.ledger.close();
    p.wallet.close();
  }
} finally {
  child.process.kill();
  await rm(temp, { recursive: true, force: true });
}

async function provider(i: number, mintUrl: string): Promise<Provider> {
  const dbPath = path.join(temp, `provider-${i}.db`);
  const wallet = await openWallet({
    dbPath,
    seedPath: path.join(temp, `provider-${i}.seed`),
    mintUrls: [mintUrl],
  });
  const ledger = new PaymentLedger(dbPath);
  const keysets = new KeysetDirectory();
  await keysets.refresh(mintUrl);
  const tabs = new TabBook({ ledger, wallet, ttlSec: 86_400, redeem: async () => undefined });
  const policy = new CashuPolicy({
    ledger,
    keysets,
    allowedMints: [mintUrl],
    paymentKey: wallet.p2pk.pubkey,
    minLockSec: 600,
    tabs,
    log: quietLogger,
  });
  return { wallet, ledger, policy, tabs, key: wallet.p2pk.pubkey, privkey: wallet.p2pk.privkey };
}

/** Per-job tokens: each round locks one payment to every provider in ONE swap, then each provider checks its own. */
async function runPerJob(buyer: PylonWallet, providers: Provider[]): Promise<ModeResult> {
  const wall = performance.now();
  let buyerCpu = 0;
  let providerCpu = 0;
  let buyerCalls = 0;
  let providerCalls = 0;
  const rounds = Math.ceil(JOBS / providers.length);
  let done = 0;
  const quoteSats = Math.ceil(quoteJob(fakeJob("q"), price, 100).amountMsats / 1000);
  for (let r = 0; r < rounds; r++) {
    const batch = providers.slice(0, Math.min(providers.length, JOBS - done));
    const calls0 = mintCalls;
    const cpu0 = process.cpuUsage();
    const locktime = Math.floor(Date.now() / 1000) + LOCK_SEC;
    const { payments } = await buyer.createLockedPayments(
      batch.map((p) => ({ pubkey: p.key, amountSats: quoteSats, locktime })),
    );
    buyerCpu += cpuMs(cpu0);
    buyerCalls += mintCalls - calls0;
    for (const p of batch) {
      const token = payments.find((x) => x.pubkey === p.key)?.token;
      const paid = await payFor(p, fakeJob(`job-${done}`, token), "per-job payment");
      providerCpu += paid.cpuMs;
      providerCalls += paid.mintCalls;
      done++;
    }
  }
  const redeemCalls = await redeemAll(providers);
  const totals = { jobs: done, providers: providers.length, buyerCalls, providerCalls, redeemCalls };
  return modeResult(
    "per-job tokens",
    totals,
    { buyerCpu, providerCpu, hotPathCpuMsPerJob: providerCpu / done },
    wall,
  );
}

/** Tabs: one swap deposits with every provider; each provider's first job carries it; then jobs debit the tabs. */
async function runTabs(buyer: PylonWallet, providers: Provider[]): Promise<ModeResult> {
  const wall = performance.now();
  const perProvider = Math.ceil(JOBS / providers.length);
  const maxCostMsats = quoteJob(fakeJob("q"), price, 100).amountMsats;
  const depositSats = Math.ceil((perProvider * maxCostMsats) / 1000) + 1;
  const calls0 = mintCalls;
  const cpu0 = process.cpuUsage();
  const locktime = Math.floor(Date.now() / 1000) + LOCK_SEC;
  const { payments } = await buyer.createLockedPayments(
    providers.map((p) => ({ pubkey: p.key, amountSats: depositSats, locktime })),
  );
  const buyerCpu = cpuMs(cpu0);
  const buyerCalls = mintCalls - calls0;
  let providerCpu = 0;
  let hotCpu = 0;
  let providerCalls = 0;
  for (let done = 0; done < JOBS; done++) {
    const index = done % providers.length;
    const p = providers[index]!;
    const opening = done < providers.length;
    const token = opening ? payments.find((x) => x.pubkey === p.key)?.token : undefined;
    const job = fakeJob(`tab-${done}`, token, opening ? { tab: "open" } : {}, `buyer`);
    const paid = await payFor(p, job, `tab payment at job ${done}`);
    providerCpu += paid.cpuMs;
    if (!opening) hotCpu += paid.cpuMs;
    providerCalls += paid.mintCalls;
  }
  const redeemCalls = await redeemAll(providers);
  const totals = { jobs: JOBS, providers: providers.length, buyerCalls, providerCalls, redeemCalls };
  const hotPathCpuMsPerJob = hotCpu / Math.max(1, JOBS - providers.length);
  return modeResult("tabs", totals, { buyerCpu, providerCpu, hotPathCpuMsPerJob }, wall);
}

/** One mode's figures from its totals: mint calls, CPU ms, and the wall clock since `wallStart`. */
function modeResult(
  mode: string,
  t: { jobs: number; providers: number; buyerCalls: number; providerCalls: number; redeemCalls: number },
  cpu: { buyerCpu: number; providerCpu: number; hotPathCpuMsPerJob: number },
  wallStart: number,
): ModeResult {
  return {
    mode,
    jobs: t.jobs,
    buyerMintCalls: t.buyerCalls,
    providerMintCallsDuringJobs: t.providerCalls,
    redeemMintCalls: t.redeemCalls,
    mintCallsPerProvider: (t.buyerCalls + t.providerCalls + t.redeemCalls) / t.providers,
    buyerCpuMsPerJob: cpu.buyerCpu / t.jobs,
    providerCpuMsPerJob: cpu.providerCpu / t.jobs,
    hotPathCpuMsPerJob: cpu.hotPathCpuMsPerJob,
    wallSec: (performance.now() - wallStart) / 1000,
  };
}

/**
 * What the node's admission does for a job: verify its payment against the quote, then settle it at the
 * scripted usage. Returns the provider's CPU time and mint calls for it; throws when refused (`what`).
 */
async function payFor(
  p: Provider,
  job: JobRequest,
  what: string,
): Promise<{ cpuMs: number; mintCalls: number }> {
  const calls = mintCalls;
  const cpu = process.cpuUsage();
  const decision = await p.policy.verifyPayment(job, quoteJob(job, price, 100));
  p.policy.settle(job.id, jobCostMsats(price, USAGE));
  const used = { cpuMs: cpuMs(cpu), mintCalls: mintCalls - calls };
  if (!decision.ok) throw new Error(`${what} refused: ${JSON.stringify(decision)}`);
  return used;
}

/** Each provider redeems what it collected (batches of up to 200 proofs, one swap each). */
async function redeemAll(providers: Provider[]): Promise<number> {
  const { redeemCollected } = await import("@pylon/wallet");
  const before = mintCalls;
  for (const p of providers) await redeemCollected(p.ledger, p.wallet, { paymentPrivkey: p.privkey });
  return mintCalls - before;
}

function fakeJob(
  id: string,
  cashuToken?: string,
  extraParams: Record<string, string> = {},
  buyer = id,
): JobRequest {
  const event: NostrEvent = {
    id,
    pubkey: buyer,
    kind: 5050,
    created_at: 0,
    tags: [],
    content: "",
    sig: "",
  };
  return {
    id,
    buyer,
    kind: 5050,
    createdAt: 0,
    prompt: "hello world",
    inputs: [],
    params: { maxTokens: 100 },
    extraParams,
    output: "text/plain",
    relays: [],
    providers: [],
    warnings: [],
    event,
    ...(cashuToken ? { cashuToken } : {}),
  };
}

function cpuMs(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000;
}

async function startMintProcess(): Promise<{ url: string; process: ChildProcess }> {
  const code = `import { startMint } from "@pylon/mint";
const m = await startMint({ port: 0, db: ":memory:", inputFeePpk: 100 });
console.log(m.url);`;
  const proc = spawn(process.execPath, ["--input-type=module", "-e", code], {
    cwd: path.dirname(new URL(import.meta.url).pathname),
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    proc.once("error", reject);
    proc.once("exit", (c) => reject(new Error(`mint exited with ${c}`)));
    proc.stdout?.once("data", (chunk: Buffer) => resolve(chunk.toString().trim().split("\n")[0] ?? ""));
  });
  return { url, process: proc };
}
