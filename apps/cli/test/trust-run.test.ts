/**
 * `pylon run` on the market with spot checks, as real processes: a real relay, three honest provider nodes
 * (SCRIPTED backend, keywordSub: deterministic) and one that answers junk. With --check-rate 1 the junk node
 * is caught: the receipt's trust section names it, the reputation book blocks it across runs, `pylon
 * providers` shows it blocked, and `pylon trust clear` lifts the block.
 */
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import type { RunningProvider } from "@pylon/provider";
import type { RunningRelay } from "@pylon/relay";
import { keywordSub } from "@pylon/rlm/scripted";
import { generateSniah } from "@pylon/rlm/tasks";
import { scriptedNode, startTestRelay } from "@pylon/testkit/market";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CliHarness } from "./run-cli.js";

const harness = new CliHarness();
let relay: RunningRelay;
const honest: RunningProvider[] = [];
let junk: RunningProvider;

beforeAll(async () => {
  relay = await startTestRelay(harness.cleanup);
  for (const i of [0, 1, 2]) {
    const spec = { relays: [relay.url], responses: keywordSub, slots: 2, queue: 8, name: `honest ${i}` };
    honest.push((await scriptedNode(harness.cleanup, spec)).node);
  }
  const junkSpec = {
    relays: [relay.url],
    responses: () => randomBytes(24).toString("base64"),
    slots: 2,
    queue: 8,
    name: "junk",
  };
  junk = (await scriptedNode(harness.cleanup, junkSpec)).node;
}, 30_000);

afterAll(() => harness.cleanup.run());

interface Receipt {
  trust?: {
    checks: { run: number; passed: number; struck: number };
    checkJobs: number;
    caught: Array<{ provider: string; name: string; jobsBeforeCaught: number }>;
  };
}

describe("pylon run with spot checks (scripted provider nodes, one answering junk)", () => {
  it("catches the junk node: receipt, reputation book, pylon providers, pylon trust clear", async () => {
    const home = await harness.home();
    const task = generateSniah(40_000, 11);
    const context = join(home, "haystack.txt");
    writeFileSync(context, task.context);
    const args = ["run", task.question, "--context", context, "--root", "scripted", "--relay", relay.url];
    const run = await harness.run(
      [...args, "--providers", "4", "--subcall-chars", "1000", "--concurrency", "64", "--json"],
      { env: { PYLON_HOME: home } },
    );
    expect(run.code, run.stderr).toBe(0);
    const receipt = JSON.parse(run.stdout) as Receipt;
    console.log(JSON.stringify(receipt.trust), JSON.stringify((receipt as { subcalls?: number }).subcalls));
    expect(receipt.trust?.checks.run).toBeGreaterThan(0);
    expect(receipt.trust?.checkJobs).toBeGreaterThan(0);
    expect(receipt.trust?.caught.map((c) => c.provider)).toEqual([junk.pubkey]);

    const listed = JSON.parse(
      (await harness.run(["trust", "list", "--json"], { env: { PYLON_HOME: home } })).stdout,
    ) as Array<{
      pubkey: string;
      blocked: { by: string } | null;
      jobs: number;
    }>;
    const byKey = new Map(listed.map((p) => [p.pubkey, p]));
    expect(byKey.get(junk.pubkey)?.blocked?.by).toBe("caught");
    for (const node of honest) expect(byKey.get(node.pubkey)?.blocked ?? null).toBeNull();

    const providers = JSON.parse(
      (
        await harness.run(["providers", "--relay", relay.url, "--json", "--timeout", "2000"], {
          env: { PYLON_HOME: home },
        })
      ).stdout,
    ) as Array<{ pubkey: string; trust: { blocked: boolean } }>;
    expect(providers.find((p) => p.pubkey === junk.pubkey)?.trust.blocked).toBe(true);

    const text = await harness.run([...args, "--subcall-chars", "8000"], { env: { PYLON_HOME: home } });
    expect(text.code, text.stderr).toBe(0);

    expect((await harness.run(["trust", "clear", junk.pubkey], { env: { PYLON_HOME: home } })).code).toBe(0);
    const after = JSON.parse(
      (await harness.run(["trust", "list", "--json"], { env: { PYLON_HOME: home } })).stdout,
    ) as Array<{
      pubkey: string;
      blocked: unknown;
    }>;
    expect(after.find((p) => p.pubkey === junk.pubkey)?.blocked).toBeNull();
  }, 120_000);
});
