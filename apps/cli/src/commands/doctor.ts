import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { Command } from "commander";
import { loadConfig, resolveMints, resolveRelays } from "../config/resolve.js";
import { dataDirSection, memoryCheck } from "../doctor/host.js";
import { type Check, renderText, report, type Section } from "../doctor/report.js";
import { collect, NETWORK_FLAG, parsePositiveInt } from "../options.js";

interface DoctorCliOptions {
  relay?: string[];
  mint?: string[];
  network?: string;
  model?: string;
  dataDir?: string;
  json?: boolean;
  timeout: number;
}

/** What to check: the flags, else --network, the environment (PYLON_RELAYS, PYLON_MINT, PYLON_HOME) or config.json. */
export interface DoctorTargets {
  relays: string[];
  mints: string[];
  model?: string;
  dataDir: string;
}

export function doctorTargets(opts: DoctorCliOptions): DoctorTargets {
  // Not options.dataDir(): that creates the directory, and doctor changes nothing.
  const home = resolve(process.env.PYLON_HOME || join(homedir(), ".pylon"));
  const loaded = loadConfig(home);
  const relays = resolveRelays({ relay: opts.relay, network: opts.network }, loaded)?.value ?? [];
  const mints = resolveMints({ mint: opts.mint, network: opts.network }, loaded)?.value ?? [];
  return {
    relays: [...new Set(relays)],
    mints: [...new Set(mints)],
    ...(opts.model ? { model: resolve(opts.model) } : {}),
    dataDir: resolve(opts.dataDir ?? home),
  };
}

export function doctorCommand(): Command {
  return new Command("doctor")
    .description(
      "check the relays, mints, model file and data dir a node or buyer would use; one ✓/✗ line each, with a fix (changes nothing)",
    )
    .option("--relay <url>", "relay to check (repeatable; env: PYLON_RELAYS)", collect)
    .option("--mint <url>", "Cashu mint to check (repeatable; env: PYLON_MINT)", collect)
    .option(...NETWORK_FLAG)
    .option("--model <file>", "GGUF model file to check (also checks the GPU, threads and memory)")
    .option(
      "--data-dir <dir>",
      "data dir whose disk and key files to check (default: $PYLON_HOME or ~/.pylon)",
    )
    .option("--json", "print the report as JSON")
    .option("--timeout <ms>", "bound on each network step", parsePositiveInt, 5_000)
    .action(async (opts: DoctorCliOptions) => {
      const doctor = report(await runChecks(doctorTargets(opts), opts.timeout));
      console.log(opts.json ? JSON.stringify(doctor, null, 2) : renderText(doctor));
      if (!doctor.ok) process.exitCode = 1;
    });
}

/** Every section, relays and mints probed concurrently; the packages are loaded only when needed. */
async function runChecks(targets: DoctorTargets, timeoutMs: number): Promise<Section[]> {
  const relaySections = targets.relays.length > 0 ? relayChecks(targets.relays, timeoutMs) : noRelay();
  const mintSections = mintChecks(targets.mints, timeoutMs);
  const sections = [...(await relaySections), ...(await mintSections)];
  if (targets.model !== undefined) sections.push(await nodeChecks(targets.model));
  sections.push(await dataDirSection(targets.dataDir));
  return sections;
}

async function noRelay(): Promise<Section[]> {
  const check = { check: "configured", ok: false, detail: "no relay to check" };
  return [
    { subject: "relay", checks: [{ ...check, fix: "pass --relay URL (repeatable) or set PYLON_RELAYS" }] },
  ];
}

async function relayChecks(relays: string[], timeoutMs: number): Promise<Section[]> {
  const { probeRelay } = await import("@pylon/nostr");
  const probes = await Promise.all(relays.map((relay) => probeRelay(relay, { timeoutMs })));
  return probes.map((p) => ({
    subject: `relay ${p.relay}`,
    checks: p.checks,
    ...(p.limitation ? { data: { limitation: p.limitation } } : {}),
  }));
}

async function mintChecks(mints: string[], timeoutMs: number): Promise<Section[]> {
  if (mints.length === 0) return [];
  const { probeMint } = await import("@pylon/wallet");
  const probes = await Promise.all(mints.map((mint) => probeMint(mint, { timeoutMs })));
  return probes.map((p) => ({ subject: `mint ${p.mint}`, checks: p.checks }));
}

/** The model file's header, then what llama.cpp would run it on. */
async function nodeChecks(model: string): Promise<Section> {
  const { defaultThreads, detectComputeBackend, GgufInspectError, inspectGguf } = await import(
    "@pylon/inference"
  );
  const checks: Check[] = [];
  let sizeBytes: number | undefined;
  let data: unknown;
  try {
    const gguf = await inspectGguf(model);
    sizeBytes = gguf.sizeBytes;
    data = { gguf };
    const parts = [
      gguf.architecture,
      gguf.quantisation,
      gguf.contextLength !== undefined ? `${gguf.contextLength} ctx` : undefined,
      `${Math.max(1, Math.round(gguf.sizeBytes / 1024))} KiB`,
      `GGUF v${gguf.version}, ${gguf.tensorCount} tensors`,
    ];
    checks.push({ check: "model", ok: true, detail: parts.filter((p) => p !== undefined).join(", ") });
  } catch (err) {
    const fix =
      "pass a .gguf model file (`pylon models` generates a tiny one; llama.cpp models come as GGUF)";
    const detail = err instanceof GgufInspectError ? err.reason : (err as Error).message;
    checks.push({ check: "model", ok: false, detail, fix });
  }
  try {
    const backend = await detectComputeBackend();
    checks.push({
      check: "GPU",
      ok: true,
      detail:
        backend.gpu === false
          ? "CPU (no GPU backend found; llama.cpp runs on the CPU, slower for big models)"
          : `${backend.gpu}${backend.devices.length > 0 ? ` (${backend.devices.join(", ")})` : ""}`,
    });
  } catch (err) {
    const fix = "reinstall node-llama-cpp (`npm rebuild node-llama-cpp`) for this platform";
    checks.push({
      check: "GPU",
      ok: false,
      detail: `llama.cpp does not load (${(err as Error).message})`,
      fix,
    });
  }
  checks.push({ check: "threads", ok: true, detail: `${defaultThreads(sizeBytes)} decoding by default` });
  checks.push(memoryCheck(sizeBytes));
  return { subject: `node ${model}`, checks, ...(data ? { data } : {}) };
}
