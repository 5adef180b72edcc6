/**
 * `pylon providers` and `pylon run --sub swarm` as real processes, against a real relay and real provider
 * nodes (in this process) serving a SCRIPTED backend that answers like rlm's keywordSub.
 */
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
let dir: string;
const nodes: RunningProvider[] = [];

beforeAll(async () => {
  dir = await harness.home("pylon-cli-swarm-");
  relay = await startTestRelay(harness.cleanup);
  for (const i of [0, 1]) {
    const spec = {
      relays: [relay.url],
      responses: keywordSub,
      slots: 2,
      queue: 3,
      name: `scripted node ${i}`,
    };
    nodes.push((await scriptedNode(harness.cleanup, spec)).node);
  }
}, 30_000);

afterAll(() => harness.cleanup.run());

describe("pylon providers (scripted provider nodes)", () => {
  it("lists the live providers with model, price, capacity and encryption, as JSON and as text", async () => {
    const json = await harness.run(["providers", "--relay", relay.url, "--json"]);
    expect(json.code, json.stderr).toBe(0);
    const listed = JSON.parse(json.stdout) as Array<Record<string, unknown>>;
    expect(listed.map((p) => p.pubkey).sort()).toEqual(nodes.map((n) => n.pubkey).sort());
    for (const provider of listed) {
      expect(provider).toMatchObject({
        live: true,
        status: "online",
        models: [{ name: "scripted-sub", context: 8192 }],
        price: { inputPer1k: 0, outputPer1k: 0, minimum: 0 },
        capacity: { slots: 2, queue: 3 },
        encryption: ["nip44", "nip04"],
      });
    }

    const text = await harness.run(["providers"], { env: { PYLON_RELAYS: relay.url } });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain("scripted node 0");
    expect(text.stdout).toContain("2 slots + 3 queue");
    expect(text.stdout).toContain("free");
  });

  it("names each relay it could not connect to, with the relay's error (providers and run)", async () => {
    const env = { PYLON_HOME: dir, PYLON_RELAYS: "" };
    const listed = await harness.run(["providers", "--relay", "ws://127.0.0.1:1", "--timeout", "1000"], {
      env,
    });
    expect(listed.stderr).toMatch(
      /relay trouble: ws:\/\/127\.0\.0\.1:1\/?: cannot connect: connection refused .*ECONNREFUSED/,
    );
    const ran = await harness.run(
      ["run", "q", "--context", "-", "--root", "scripted", "--relay", "ws://127.0.0.1:1"],
      { env, stdin: "a context" },
    );
    expect(ran.code).not.toBe(0);
    expect(ran.stderr).toMatch(/could not connect to any relay: ws:\/\/127\.0\.0\.1:1\/?: .*ECONNREFUSED/);
    expect(ran.stderr).not.toContain("providers announced");
  }, 30_000);

  it("refuses to run without a relay", async () => {
    const none = await harness.run(["providers"], { env: { PYLON_RELAYS: "" } });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain("no relay");
  });
});

describe("pylon run --sub swarm (scripted root, scripted provider nodes)", () => {
  it("answers an S-NIAH question with every sub-call served by the market, then resumes from memo", async () => {
    const task = generateSniah(20_000, 5);
    const context = join(dir, "haystack.txt");
    writeFileSync(context, task.context);
    const home = await harness.home();
    const args = [
      "run",
      task.question,
      "--context",
      context,
      "--root",
      "scripted",
      "--sub",
      "swarm",
      "--relay",
      relay.url,
      "--providers",
      "2",
      "--subcall-chars",
      "8000",
      "--json",
      // Spot checks add jobs of their own (test/trust-run.test.ts): off, so jobs sent = sub-calls.
      "--no-checks",
    ];
    const run = await harness.run(args, { env: { PYLON_HOME: home } });
    expect(run.code, run.stderr).toBe(0);
    const receipt = JSON.parse(run.stdout) as { answer: string; subcalls: number; models: { sub: string } };
    expect(task.score(receipt.answer)).toBe(1);
    expect(receipt.models.sub).toBe("swarm");
    const parts = Math.ceil(task.context.length / 8000);
    expect(receipt.subcalls).toBe(parts);
    const summary = /swarm run (\S+): (\d+) job\(s\) sent, (\d+) from memo/.exec(run.stderr);
    expect(summary?.[2]).toBe(String(parts));

    // The same run id and database: every sub-call is answered from SQLite, nothing is sent.
    const again = await harness.run([...args, "--swarm-run", summary![1]!], { env: { PYLON_HOME: home } });
    expect(again.code, again.stderr).toBe(0);
    expect(task.score((JSON.parse(again.stdout) as { answer: string }).answer)).toBe(1);
    expect(again.stderr).toContain(`0 job(s) sent, ${parts} from memo`);
  }, 60_000);

  /** A scripted-root market run over a 40,000-token S-NIAH context cut into `subcallChars`-character parts. */
  async function runInParts(seed: number, subcallChars: number) {
    const task = generateSniah(40_000, seed);
    const context = join(dir, `parts-${seed}.txt`);
    writeFileSync(context, task.context);
    const args = ["run", task.question, "--context", context, "--root", "scripted", "--relay", relay.url];
    return harness.run([...args, "--subcall-chars", String(subcallChars)], {
      env: { PYLON_HOME: await harness.home() },
    });
  }

  it("exits non-zero naming the reason when every prompt is too big for every provider's context window", async () => {
    const run = await runInParts(6, 60_000);
    expect(run.code).toBe(1);
    const failed = run.stderr.split("\n").filter((line) => line.startsWith("pylon: every sub-call failed"));
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatch(
      /^pylon: every sub-call failed \((\d+) of \1\): \d+× no live provider serves this request \(2 of 2 live: the \d+-token prompt exceeds its 8192-token context window\)/,
    );
    expect(run.stdout).toMatch(
      /^sub-calls\s+\d+ \((\d+) dispatched here: 0 answered, \1 failed: \d+× no live provider/m,
    );
  }, 60_000);

  it("answers with some sub-calls failed and says how many, and why, in the receipt", async () => {
    const run = await runInParts(7, 34_000);
    // Prompts of 34,000 characters fit no provider's 8,192-token window; the last, shorter part does.
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(
      /^sub-calls\s+(\d+) \(\1 dispatched here: 1 answered, (\d+) failed: \2× no live provider serves this request \(2 of 2 live: the \d+-token prompt exceeds its 8192-token context window\)\)$/m,
    );
    expect(run.stderr).not.toContain("every sub-call failed");
  }, 60_000);
});
