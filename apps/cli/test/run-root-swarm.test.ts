/**
 * `pylon run --root swarm:MODEL` end to end, the root being a SCRIPTED stand-in served by providers: a
 * local relay, a local testnet mint (input fee 100 ppk), two in-process sub-call nodes (SCRIPTED keywordSub,
 * paid through tabs) and two root nodes that are real `pylon node` processes serving the scripted RLM root
 * (`{"type": "scripted", "rlmRoot": true}`, paid, same mint, same model name). The root node that served
 * the first root turn is SIGKILLed while the run's sub-calls are out; the run fails over to the other root
 * node with the whole conversation, answers the S-NIAH question right, and its money holds to the sat.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { IterationRecord } from "@pylon/rlm";
import { generateSniah } from "@pylon/rlm/tasks";
import { waitFor } from "@pylon/testkit";
import { MODEL, PRICES } from "@pylon/testkit/market";
import { nip19 } from "nostr-tools";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Cli, CliHarness } from "./run-cli.js";
import { fundBuyer, generations, openBuyer, type PaidMarket, startPaidMarket } from "./run-market.js";

const harness = new CliHarness();
let market: PaidMarket;
const ROOT_MODEL = "scripted-rlm-root";
const FUNDED = 3_000;
const CONTEXT_TOKENS = 8_000;
const PART_CHARS = 1_000;

interface RootNode {
  cli: Cli;
  pubkey: string;
}
const roots: RootNode[] = [];

/** A `pylon node` process serving the scripted RLM root, paid at testkit's PRICES through `mint`. */
async function startRootNode(name: string): Promise<RootNode> {
  const home = await harness.home("pylon-root-node-");
  const config = join(home, "node.json");
  writeFileSync(
    config,
    JSON.stringify({
      model: { type: "scripted", rlmRoot: true, chunkChars: PART_CHARS },
      modelName: ROOT_MODEL,
      name,
    }),
  );
  const cli = await harness.start(
    [
      "node",
      "--config",
      config,
      "--relay",
      market.relay.url,
      "--mint",
      market.mint.url,
      "--price-in",
      String(PRICES.inputPer1k),
      "--price-out",
      String(PRICES.outputPer1k),
      "--data-dir",
      join(home, "data"),
      "--status-every",
      "0",
    ],
    { env: { PYLON_HOME: home } },
  );
  const [, npub] = (await cli.waitFor(
    new RegExp(`^pylon node (npub1[0-9a-z]+) serving ${ROOT_MODEL} .*\\(payment required\\)$`, "m"),
    30_000,
  )) as unknown as [string, string];
  return { cli, pubkey: nip19.decode(npub as `npub1${string}`).data };
}

beforeAll(async () => {
  market = await startPaidMarket(harness.cleanup, { nodes: 2, latencyMs: 100, slots: 4, inputFeePpk: 100 });
  roots.push(...(await Promise.all([startRootNode("root A"), startRootNode("root B")])));
}, 90_000);

afterAll(() => harness.cleanup.run(), 90_000);

/** The root's iteration records in the run's log so far. */
function rootIterations(logFile: string): IterationRecord[] {
  let text = "";
  try {
    text = readFileSync(logFile, "utf8");
  } catch {
    return [];
  }
  return text
    .split("\n")
    .filter((line) => line.includes('"type":"iteration"'))
    .map((line) => JSON.parse(line) as IterationRecord)
    .filter((record) => record.depth === 0);
}

describe("pylon run --root swarm:MODEL (the root a SCRIPTED stand-in served by two root provider nodes)", () => {
  it("says the node's model is a scripted stand-in", () => {
    for (const root of roots) expect(root.cli.stderr()).toContain("the model is a SCRIPTED stand-in");
  });

  it("kills the root provider after it served the first turn: the run fails over, answers right, and the books hold to the sat", async () => {
    const home = await harness.home("pylon-run-root-swarm-");
    await fundBuyer(market, home, FUNDED);
    const task = generateSniah(CONTEXT_TOKENS, 5);
    const contextFile = join(home, "haystack.txt");
    writeFileSync(contextFile, task.context);
    const logFile = join(home, "run.jsonl");

    const run = await harness.start(
      [
        "run",
        task.question,
        "--context",
        contextFile,
        "--root",
        `swarm:${ROOT_MODEL}`,
        "--sub",
        `swarm:${MODEL}`,
        "--relay",
        market.relay.url,
        "--mint",
        market.mint.url,
        "--providers",
        "4",
        "--root-max-tokens",
        "1024",
        "--sub-max-tokens",
        "64",
        "--budget",
        "2000",
        "--log",
        logFile,
        "--json",
      ],
      { env: { PYLON_HOME: home } },
    );

    // The first turn's provider, from the log; killed once the sub-calls are out (the second turn answered,
    // no root turn in flight there): the next turn must go elsewhere.
    const first = await waitFor(
      () => {
        const served = rootIterations(logFile)[0]?.modelProvider;
        return served !== undefined && generations(market).size > 0 ? served : undefined;
      },
      "the first root turn served and the sub-calls out",
      60_000,
    );
    const victim = roots.find((root) => root.pubkey === first);
    expect(victim, `the first root turn came from ${first}, not a root node`).toBeDefined();
    victim!.cli.child.kill("SIGKILL");
    expect((await victim!.cli.exited).signal).toBe("SIGKILL");
    const survivor = roots.find((root) => root !== victim)!;

    const exit = await run.exited;
    expect(exit.code, run.stderr()).toBe(0);
    const receipt = JSON.parse(run.stdout()) as {
      answer: string;
      iterations: number;
      models: { root: string; sub: string };
      items: { failed: number };
      root: {
        turns: number;
        answered: number;
        failed: number;
        paid: number;
        sats: number;
        tokens: { input: number; output: number };
        providers: Array<{ provider: string; answered: number }>;
        failovers: number;
      };
      sats: { spent: number; charged: number; rests: number; fees: number; reclaimable: number };
    };
    expect(task.score(receipt.answer)).toBe(1);
    expect(receipt.models).toEqual({ root: `swarm:${ROOT_MODEL}`, sub: `swarm:${MODEL}` });
    expect(receipt.items.failed).toBe(0);

    // Every root turn was a paid job on the market; both root nodes served, the run failed over once.
    const { root } = receipt;
    expect(root.answered).toBe(receipt.iterations);
    expect(root.failed).toBe(0);
    expect(root.paid).toBe(root.answered);
    expect(root.sats).toBeGreaterThan(0);
    expect(root.tokens.input).toBeGreaterThan(0);
    expect(root.providers.map((p) => p.provider).sort()).toEqual(roots.map((r) => r.pubkey).sort());
    expect(root.failovers).toBe(1);
    // The log agrees: the victim served the first turns, the survivor the rest, each turn paid.
    const turns = rootIterations(logFile);
    expect(turns).toHaveLength(receipt.iterations);
    expect(turns[0]!.modelProvider).toBe(victim!.pubkey);
    expect(turns.at(-1)!.modelProvider).toBe(survivor.pubkey);
    for (const turn of turns) expect(turn.modelCostSats).toBeGreaterThan(0);

    // Money: the receipt adds up to the wallet's outflow, to the sat (docs/payments.md), and that outflow
    // is what the wallet lost; the live sub-call nodes' tabs balance.
    const { spent, charged, rests, fees, reclaimable } = receipt.sats;
    expect(Math.round((charged + rests + fees + reclaimable) * 1000)).toBe(Math.round(spent * 1000));
    expect(charged).toBeGreaterThanOrEqual(root.sats);
    const buyer = await openBuyer(market, home);
    try {
      const balance = buyer.balance().total;
      expect(FUNDED - balance.unspent - balance.reserved).toBe(spent);
    } finally {
      buyer.close();
    }
    for (const { node } of market.nodes) {
      const totals = node.payments!.tabTotals();
      expect(totals.depositedMsats).toBe(
        totals.balanceMsats + totals.reservedMsats + totals.chargedMsats + totals.refundedMsats,
      );
      expect(totals.reservedMsats).toBe(0);
    }
    console.log(
      `root swarm: ${receipt.iterations} root turns (${root.paid} paid, ${root.sats} sat, ` +
        `${root.tokens.input + root.tokens.output} tokens), ${root.failovers} failover; turn latencies ` +
        `${turns.map((t) => Math.round(t.modelLatencyMs)).join(", ")} ms; ` +
        `spent ${spent} = charged ${charged} + rests ${rests} + fees ${fees} + reclaimable ${reclaimable}`,
    );
  }, 240_000);
});
