/**
 * `pylon providers` and `pylon run --sub swarm` as real processes, against a real relay and real provider
 * nodes (in this process) serving a SCRIPTED backend that answers like rlm's keywordSub.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createScriptedBackend } from "@pylon/inference/scripted";
import { quietLogger, type RunningProvider, startProvider } from "@pylon/provider";
import { type RunningRelay, startRelay } from "@pylon/relay";
import { keywordSub } from "@pylon/rlm/scripted";
import { generateSniah } from "@pylon/rlm/tasks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CliHarness } from "./run-cli.js";

const cli = new CliHarness();
let relay: RunningRelay;
let dir: string;
const nodes: RunningProvider[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "pylon-cli-swarm-"));
  relay = await startRelay({ port: 0, host: "127.0.0.1", db: ":memory:", verifyThreads: 0 });
  for (const i of [0, 1]) {
    nodes.push(
      await startProvider(
        {
          relays: [relay.url],
          model: { type: "scripted", echo: true },
          free: true,
          dataDir: join(dir, `node-${i}`),
          slots: 2,
          queue: 3,
          shutdownGraceSec: 0,
          name: `scripted node ${i}`,
        },
        {
          backend: createScriptedBackend({ responses: keywordSub, model: "scripted-sub", slots: 2 }),
          log: quietLogger,
          allowPrivateRequestRelays: true,
        },
      ),
    );
  }
}, 30_000);

afterAll(async () => {
  cli.cleanup();
  for (const node of nodes) await node.stop();
  await relay?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("pylon providers (scripted provider nodes)", () => {
  it("lists the live providers with model, price, capacity and encryption, as JSON and as text", async () => {
    const json = cli.start(["providers", "--relay", relay.url, "--json"]);
    expect((await json.exited).code, json.stderr()).toBe(0);
    const listed = JSON.parse(json.stdout()) as Array<Record<string, unknown>>;
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

    const text = cli.start(["providers"], { PYLON_RELAYS: relay.url });
    expect((await text.exited).code, text.stderr()).toBe(0);
    expect(text.stdout()).toContain("scripted node 0");
    expect(text.stdout()).toContain("2 slots + 3 queue");
    expect(text.stdout()).toContain("free");
  });

  it("refuses to run without a relay", async () => {
    const none = cli.start(["providers"], { PYLON_RELAYS: "" });
    expect((await none.exited).code).toBe(1);
    expect(none.stderr()).toContain("no relay");
  });
});

describe("pylon run --sub swarm (scripted root, scripted provider nodes)", () => {
  it("answers an S-NIAH question with every sub-call served by the market, then resumes from memo", async () => {
    const task = generateSniah(20_000, 5);
    const context = join(dir, "haystack.txt");
    writeFileSync(context, task.context);
    const home = cli.home();
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
    ];
    const run = cli.start(args, { PYLON_HOME: home });
    expect((await run.exited).code, run.stderr()).toBe(0);
    const receipt = JSON.parse(run.stdout()) as { answer: string; subcalls: number; models: { sub: string } };
    expect(task.score(receipt.answer)).toBe(1);
    expect(receipt.models.sub).toBe("swarm");
    const parts = Math.ceil(task.context.length / 8000);
    expect(receipt.subcalls).toBe(parts);
    const summary = /swarm run (\S+): (\d+) job\(s\) sent, (\d+) from memo/.exec(run.stderr());
    expect(summary?.[2]).toBe(String(parts));

    // The same run id and database: every sub-call is answered from SQLite, nothing is sent.
    const again = cli.start([...args, "--swarm-run", summary![1]!], { PYLON_HOME: home });
    expect((await again.exited).code, again.stderr()).toBe(0);
    expect(task.score((JSON.parse(again.stdout()) as { answer: string }).answer)).toBe(1);
    expect(again.stderr()).toContain(`0 job(s) sent, ${parts} from memo`);
  }, 60_000);
});
