/**
 * Payment benchmark: the provider's offline check and the buyer's locked-output creation.
 *
 *   npm run bench -w packages/wallet -- [--providers 10] [--rounds 20] [--json FILE]
 *
 * (a) CPU ms per proof of `acceptLockedPayment` (all checks, DLEQ included) and of the DLEQ alone.
 * (b) Creating locked outputs: wallet-side CPU and wall time per output when P providers are paid in ONE
 *     swap, against one swap per provider. The mint runs in another process, so CPU is the wallet's only.
 * Prints a markdown table; with --json also writes the figures as JSON.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { getDecodedToken, hasValidDleq } from "@cashu/cashu-ts";
import { benchArgs, writeBenchJson } from "@pylon/testkit/bench";
import { deriveKeyPair } from "../src/keys.js";
import { acceptLockedPayment } from "../src/payments/accept.js";
import { KeysetDirectory } from "../src/payments/keysets.js";
import { openWallet, type PylonWallet } from "../src/wallet.js";

// Providers paid in one swap; rounds of the offline check timed.
const { values, json } = benchArgs({ providers: 10, rounds: 20 });
const PROVIDERS = values.providers;
const ACCEPT_ROUNDS = values.rounds;
const SATS_PER_PROVIDER = 63; // 6 proofs each: 32+16+8+4+2+1

const cpuMs = (fn: () => void): number => {
  const start = process.cpuUsage();
  fn();
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1000;
};

async function cpuAndWall<T>(fn: () => Promise<T>): Promise<{ cpu: number; wall: number; value: T }> {
  const start = process.cpuUsage();
  const t0 = performance.now();
  const value = await fn();
  const d = process.cpuUsage(start);
  return { cpu: (d.user + d.system) / 1000, wall: performance.now() - t0, value };
}

async function startMintProcess(): Promise<{ url: string; child: ChildProcess }> {
  const script = fileURLToPath(new URL("./mint-process.mjs", import.meta.url));
  const child = spawn(process.execPath, [script], { stdio: ["ignore", "pipe", "inherit"] });
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (d) => {
      out += d;
      const line = out.split("\n")[0];
      if (out.includes("\n") && line) resolve(line.trim());
    });
    child.on("exit", () => reject(new Error("mint process exited")));
    setTimeout(() => reject(new Error("mint did not start in 15 s")), 15_000);
  });
  return { url, child };
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "pylon-wallet-bench-"));
  const { url, child } = await startMintProcess();
  try {
    const buyer: PylonWallet = await openWallet({
      dbPath: join(dir, "buyer.db"),
      seedPath: join(dir, "seed"),
      mintUrls: [url],
    });
    await buyer.fund(100_000);
    const providers = Array.from({ length: PROVIDERS }, (_, i) =>
      deriveKeyPair(new Uint8Array(64).fill(i + 1)),
    );
    const locktime = Math.floor(Date.now() / 1000) + 3600;
    // Warm-up: load keys, JIT the curve code.
    await buyer.createLockedPayments([{ pubkey: providers[0]!.pubkey, amountSats: 7, locktime }]);

    // (b) one swap for all providers, then one swap per provider.
    const batched = await cpuAndWall(() =>
      buyer.createLockedPayments(
        providers.map((p) => ({ pubkey: p.pubkey, amountSats: SATS_PER_PROVIDER, locktime })),
      ),
    );
    const outputs = PROVIDERS * 6;
    const single = await cpuAndWall(async () => {
      for (const p of providers) {
        await buyer.createLockedPayments([{ pubkey: p.pubkey, amountSats: SATS_PER_PROVIDER, locktime }]);
      }
    });

    // (a) the provider's offline check over one 6-proof token, DLEQ included; then the DLEQ alone.
    const keysets = new KeysetDirectory();
    await keysets.refresh(url);
    const token = batched.value.payments.find((p) => p.pubkey === providers[0]!.pubkey)!.token;
    const options = {
      allowedMints: [url],
      keysets,
      paymentKey: providers[0]!.pubkey,
      minLocktime: 0,
      priceSats: SATS_PER_PROVIDER,
      seenYs: new Set<string>(),
    };
    if (!acceptLockedPayment(token, options).ok) throw new Error("benchmark token refused");
    let acceptCpu = 0;
    for (let i = 0; i < ACCEPT_ROUNDS; i++)
      acceptCpu += cpuMs(() => void acceptLockedPayment(token, options));
    const proofs = getDecodedToken(token, keysets.ids(url)).proofs;
    let dleqCpu = 0;
    for (let i = 0; i < ACCEPT_ROUNDS; i++) {
      dleqCpu += cpuMs(() => {
        for (const p of proofs) hasValidDleq(p, keysets.get(url, p.id)!);
      });
    }
    const perProof = (ms: number) => ms / (ACCEPT_ROUNDS * proofs.length);

    const figures = {
      acceptMsPerProof: perProof(acceptCpu),
      dleqMsPerProof: perProof(dleqCpu),
      proofsPerToken: proofs.length,
      providers: PROVIDERS,
      outputsPerBatch: outputs,
      oneSwapCpuMsPerOutput: batched.cpu / outputs,
      oneSwapWallMsPerOutput: batched.wall / outputs,
      swapPerProviderCpuMsPerOutput: single.cpu / outputs,
      swapPerProviderWallMsPerOutput: single.wall / outputs,
      loadavg1: loadavg()[0],
    };
    const f = (n: number) => n.toFixed(2);
    console.log("| figure | value |\n| --- | --- |");
    console.log(
      `| acceptLockedPayment, CPU ms per proof (${proofs.length}-proof token, all checks) | ${f(figures.acceptMsPerProof)} |`,
    );
    console.log(`| of which hasValidDleq, CPU ms per proof | ${f(figures.dleqMsPerProof)} |`);
    console.log(
      `| locked outputs, ${PROVIDERS} providers in ONE swap: wallet CPU ms per output | ${f(figures.oneSwapCpuMsPerOutput)} |`,
    );
    console.log(
      `| same, wall ms per output (mint in another process) | ${f(figures.oneSwapWallMsPerOutput)} |`,
    );
    console.log(
      `| one swap per provider: wallet CPU ms per output | ${f(figures.swapPerProviderCpuMsPerOutput)} |`,
    );
    console.log(`| same, wall ms per output | ${f(figures.swapPerProviderWallMsPerOutput)} |`);
    console.log(`\nload average (1 min) during the run: ${f(figures.loadavg1 ?? 0)}`);
    writeBenchJson(json, figures);
    buyer.close();
  } finally {
    child.kill("SIGTERM");
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
