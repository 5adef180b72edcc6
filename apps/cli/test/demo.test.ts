import { existsSync, readdirSync, readFileSync } from "node:fs";
import { connect } from "node:net";
import { dirname } from "node:path";
import { foldTrajectory, readTrajectory } from "@pylon/rlm";
import { afterEach, describe, expect, it } from "vitest";
import { type Cli, CliHarness } from "./run-cli.js";

// The real `pylon demo` as a child process: relay, mint, 4 paid llama.cpp providers, a funded buyer and an
// RLM run over them, all on loopback. Each run takes ~15-40 s on 2 shared cores.
const harness = new CliHarness();
afterEach(() => harness.cleanup.run());

/** The process's descendants now (Linux /proc): pid → parent pid, walked down from `root`. */
function descendants(root: number): number[] {
  const parents = new Map<number, number>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // "pid (comm) state ppid …": comm may hold spaces, so read after the last ")".
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      parents.set(Number(entry), ppid);
    } catch {
      // gone meanwhile
    }
  }
  const found: number[] = [];
  const walk = (pid: number) => {
    for (const [child, parent] of parents) {
      if (parent === pid) {
        found.push(child);
        walk(child);
      }
    }
  };
  walk(root);
  return found;
}

/** Every descendant seen while `cli` runs (the Pyodide REPL lives for seconds, so 100 ms polls catch it). */
function watchDescendants(cli: Cli): Set<number> {
  const seen = new Set<number>();
  const pid = cli.child.pid!;
  const timer = setInterval(() => {
    for (const child of descendants(pid)) seen.add(child);
  }, 100);
  void cli.exited.then(() => clearInterval(timer));
  return seen;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Resolves "refused" when nothing listens on the URL's port any more. */
function probe(url: string): Promise<"refused" | "open"> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    socket.once("connect", () => {
      socket.destroy();
      resolve("open");
    });
    socket.once("error", () => resolve("refused"));
  });
}

describe("pylon demo", () => {
  it("runs a paid RLM over the offline market, answers the gold, accounts to the sat and stops everything", async () => {
    const home = await harness.home("pylon-demo-test-");
    const cli = await harness.start(["demo", "--json", "--seed", "11"], { env: { PYLON_HOME: home } });
    const children = watchDescendants(cli);
    const exit = await cli.exited;
    expect(exit, cli.stderr()).toEqual({ code: 0, signal: null });
    const report = JSON.parse(cli.stdout());

    // The answer: the S-NIAH gold, from the declared scripted root.
    expect(report.ok).toBe(true);
    expect(report.task.gold).toMatch(/^\d{7}$/);
    expect(report.answer).toBe(report.task.gold);
    expect(report.correct).toBe(true);
    expect(report.root).toMatch(/^scripted/);
    expect(report.answerSource).toMatch(/regex/);

    // Tens of sub-calls, every one answered by a provider over Nostr, paid, none lost.
    expect(report.subcalls.total).toBeGreaterThanOrEqual(30);
    expect(report.subcalls.answered).toBe(report.subcalls.total);
    expect(report.subcalls.failed).toBe(0);
    expect(report.subcalls.needlePartReply).not.toBeNull();
    expect(report.jobs.jobsSent).toBeGreaterThanOrEqual(report.subcalls.total);
    expect(report.jobs.failed).toBe(0);
    expect(report.providers).toHaveLength(4);
    for (const p of report.providers) {
      expect(p.subcallsAnswered).toBeGreaterThan(0);
      expect(p.chargedMsats).toBeGreaterThan(0);
      expect(p.earnedSats).toBeGreaterThan(0);
    }
    const answeredByProviders = report.providers.reduce(
      (sum: number, p: { subcallsAnswered: number }) => sum + p.subcallsAnswered,
      0,
    );
    expect(answeredByProviders).toBe(report.subcalls.answered);

    // Money: paid, and every sat accounted for.
    const m = report.money;
    expect(m.spentSats).toBeGreaterThan(0);
    expect(m.providersEarnedSats).toBeGreaterThan(0);
    expect(m.mintFeesSats).toBeGreaterThan(0); // the demo mint charges input fees
    expect(m.holds).toBe(true);
    expect(m.spentSats).toBe(m.providersEarnedSats + m.mintFeesSats + m.reclaimableSats);
    expect(m.mintedSats).toBe(m.fundedSats);
    expect(m.line).toMatch(/holds to the sat/);
    // The receipt's figures add up to the wallet's outflow, to the sat (docs/payments.md).
    const r = m.receipt;
    expect(r.spentSats).toBe(m.spentSats);
    expect(Math.round((r.chargedSats + r.restSats + r.feeSats + r.reclaimableSats) * 1000)).toBe(
      r.spentSats * 1000,
    );

    // Everything stopped: cleanly, ports refuse, no descendant process survives (the Pyodide REPL was one).
    expect(report.stopProblems).toEqual([]);
    expect(await probe(report.relay)).toBe("refused");
    expect(await probe(report.mint)).toBe("refused");
    expect(children.size).toBeGreaterThan(0);
    expect([...children].filter(alive)).toEqual([]);
    const tempDir = dirname(cli.stderr().match(/model\s+(\S+tiny\.gguf)/)![1]!);
    expect(existsSync(tempDir)).toBe(false);

    // The trajectory log survives, as JSONL: a run, its sub-calls and iterations, the final answer; read
    // back by the shared reader, its per-provider figures are the report's.
    expect(report.logPath.startsWith(home)).toBe(true);
    const records = await readTrajectory(report.logPath);
    expect(records[0]?.type).toBe("run");
    const fold = foldTrajectory(records);
    expect(fold.subcalls.length).toBe(report.subcalls.total);
    for (const p of report.providers) {
      const folded = fold.providers.get(p.pubkey);
      expect(folded?.answered ?? 0).toBe(p.subcallsAnswered);
      expect(Math.round((folded?.sats ?? 0) * 1000) / 1000).toBe(p.subcallSats);
    }
    const final = records.at(-1);
    expect(final?.type).toBe("final");
    expect(final?.type === "final" && final.answer).toBe(report.task.gold);
    console.log(
      `demo: ${report.subcalls.total} sub-calls, ${report.jobs.jobsSent} jobs, ${m.line}, ${report.wallMs} ms`,
    );
  }, 150_000);

  it("stops everything it started on Ctrl-C (SIGINT) mid-run and exits 130", async () => {
    const cli = await harness.start(["demo", "--seed", "12"]);
    const children = watchDescendants(cli);
    const relay = (await cli.waitForStderr(/relay\s+(ws:\/\/\S+)/, 60_000))[1]!;
    const mint = (await cli.waitForStderr(/mint\s+(http:\/\/\S+)/, 60_000))[1]!;
    const model = (await cli.waitForStderr(/model\s+(\S+tiny\.gguf)/, 60_000))[1]!;
    await cli.waitForStderr(/start depth 0/, 90_000); // the RLM run (and its REPL) is under way
    cli.child.kill("SIGINT");
    const exit = await cli.exited;
    expect(exit, cli.stderr()).toEqual({ code: 130, signal: null });
    expect(cli.stderr()).toMatch(/interrupted; everything it started has been stopped/);
    expect(await probe(relay)).toBe("refused");
    expect(await probe(mint)).toBe("refused");
    expect(children.size).toBeGreaterThan(0);
    expect([...children].filter(alive)).toEqual([]);
    expect(existsSync(dirname(model))).toBe(false);
  }, 150_000);
});
