/**
 * `pylon config` and `--network` as real processes: the config file round trip, its errors (one line naming
 * the file and the key, exit 2, file unchanged), and `pylon providers` reading the relay a network names,
 * against a real relay with a real (scripted) provider node on 127.0.0.1.
 */
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { RunningProvider } from "@pylon/provider";
import type { RunningRelay } from "@pylon/relay";
import { keywordSub } from "@pylon/rlm/scripted";
import { unusedPort } from "@pylon/testkit";
import { scriptedNode, startTestRelay } from "@pylon/testkit/market";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CliHarness } from "./run-cli.js";

const harness = new CliHarness();
let relay: RunningRelay;
let node: RunningProvider;
/** A relay URL nothing listens on. */
let deadRelay: string;

beforeAll(async () => {
  relay = await startTestRelay(harness.cleanup);
  const spec = { relays: [relay.url], responses: keywordSub, slots: 1, queue: 1, name: "config test node" };
  node = (await scriptedNode(harness.cleanup, spec)).node;
  deadRelay = `ws://127.0.0.1:${await unusedPort()}`;
}, 30_000);

afterAll(() => harness.cleanup.run());

/** `pylon …` in `home`. */
const pylon = (home: string, args: string[], env: Record<string, string> = {}) =>
  harness.run(args, { env: { PYLON_HOME: home, ...env } });

/** The pubkeys `pylon providers --json` lists. */
async function listed(home: string, args: string[], env: Record<string, string> = {}): Promise<string[]> {
  const result = await pylon(home, ["providers", "--json", "--timeout", "2000", ...args], env);
  expect(result.code, result.stderr).toBe(0);
  return (JSON.parse(result.stdout) as Array<{ pubkey: string }>).map((p) => p.pubkey);
}

describe("pylon config", () => {
  it("path, set and show round-trip through a 0600 file, built-in networks merged in", async () => {
    const home = await harness.home();
    const path = await pylon(home, ["config", "path"]);
    expect(path.code, path.stderr).toBe(0);
    const file = join(home, "config.json");
    expect(path.stdout.trim()).toBe(file);

    for (const [key, value] of [
      ["networks.home.relays", "ws://127.0.0.1:1, ws://127.0.0.1:2"],
      ["networks.home.mints", "http://127.0.0.1:3"],
      ["network", "home"],
      ["models.root", "scripted"],
      ["budget.sats", "50"],
    ] as const) {
      const set = await pylon(home, ["config", "set", key, value]);
      expect(set.code, set.stderr).toBe(0);
    }
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual({
      networks: { home: { relays: ["ws://127.0.0.1:1", "ws://127.0.0.1:2"], mints: ["http://127.0.0.1:3"] } },
      network: "home",
      models: { root: "scripted" },
      budget: { sats: 50 },
    });

    const show = await pylon(home, ["config", "show"]);
    expect(show.code, show.stderr).toBe(0);
    const shown = JSON.parse(show.stdout);
    expect(shown).toMatchObject({
      file,
      network: { value: "home", source: "file" },
      relays: { value: ["ws://127.0.0.1:1", "ws://127.0.0.1:2"], source: "file", network: "home" },
      mints: { value: ["http://127.0.0.1:3"], source: "file" },
      models: { root: { value: "scripted", source: "file" } },
      budget: { sats: { value: 50, source: "file" } },
    });
    expect(shown.networks.local).toEqual({
      relays: ["ws://127.0.0.1:7777"],
      mints: ["http://127.0.0.1:3338"],
    });
    expect(shown.networks.testnet.mints).toEqual(["https://testnut.cashu.space"]);

    // Env beats the file's network; a --network flag beats the env; a built-in network says so.
    const env = JSON.parse(
      (
        await pylon(home, ["config", "show"], {
          PYLON_RELAYS: "ws://127.0.0.1:9",
          PYLON_MINT: "http://127.0.0.1:8",
        })
      ).stdout,
    );
    expect(env.relays).toEqual({ value: ["ws://127.0.0.1:9"], source: "env" });
    expect(env.mints).toEqual({ value: ["http://127.0.0.1:8"], source: "env" });
    const flag = JSON.parse(
      (await pylon(home, ["config", "show", "--network", "local"], { PYLON_RELAYS: "ws://127.0.0.1:9" }))
        .stdout,
    );
    expect(flag.network).toEqual({ value: "local", source: "flag" });
    expect(flag.relays).toEqual({ value: ["ws://127.0.0.1:7777"], source: "built-in", network: "local" });

    const unset = await pylon(home, ["config", "unset", "budget.sats"]);
    expect(unset.code, unset.stderr).toBe(0);
    expect(JSON.parse(readFileSync(file, "utf8")).budget).toEqual({});
  });

  it("refuses a bad value or a malformed file in one line naming the key and the file, leaving it unchanged", async () => {
    const home = await harness.home();
    const file = join(home, "config.json");
    expect((await pylon(home, ["config", "set", "network", "local"])).code).toBe(0);
    const before = readFileSync(file, "utf8");

    const refusals: Array<[string[], string]> = [
      [
        ["networks.testnet.relays", "https://relay.example"],
        "networks.testnet.relays[0]: must be a ws:// or wss:// URL",
      ],
      [["budget.sats", "-3"], "budget.sats: must be a positive number"],
      [["colour", "blue"], 'unknown key "colour"'],
      [["network", "mars"], 'network: unknown network "mars" (known: local, testnet)'],
    ];
    for (const [args, message] of refusals) {
      const set = await pylon(home, ["config", "set", ...args]);
      expect(set.code, set.stderr).toBe(2);
      expect(set.stderr.trim()).toBe(`pylon: ${file}: ${message}`);
      expect(readFileSync(file, "utf8")).toBe(before);
    }

    writeFileSync(file, '{ "networks": { "mine": { "relays": ["wss://ok.example", 7] } } }\n');
    const bad = await pylon(home, ["providers", "--relay", relay.url]);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe(`pylon: ${file}: networks.mine.relays[1]: must be a ws:// or wss:// URL`);
    writeFileSync(file, "{ not json");
    const malformed = await pylon(home, ["config", "set", "network", "local"]);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr.trim().split("\n")).toHaveLength(1);
    expect(malformed.stderr).toContain(`${file}: not valid JSON`);
    expect(readFileSync(file, "utf8")).toBe("{ not json");
  });
});

describe("--network", () => {
  it("points pylon providers at the network's relay; --relay and PYLON_RELAYS override the file", async () => {
    const home = await harness.home();
    expect((await pylon(home, ["config", "set", "networks.local.relays", relay.url])).code).toBe(0);
    expect(await listed(home, ["--network", "local"])).toEqual([node.pubkey]);

    // The file's chosen network is used without a flag…
    expect((await pylon(home, ["config", "set", "networks.dead.relays", deadRelay])).code).toBe(0);
    expect((await pylon(home, ["config", "set", "network", "local"])).code).toBe(0);
    expect(await listed(home, [])).toEqual([node.pubkey]);
    // …but a flag or the env beats it.
    expect((await pylon(home, ["config", "set", "network", "dead"])).code).toBe(0);
    expect(await listed(home, ["--relay", relay.url])).toEqual([node.pubkey]);
    expect(await listed(home, [], { PYLON_RELAYS: relay.url })).toEqual([node.pubkey]);
    expect(await listed(home, ["--network", "local"], { PYLON_RELAYS: deadRelay })).toEqual([node.pubkey]);
  }, 60_000);

  it("gives pylon node the network's relays and the file's models.node", async () => {
    const home = await harness.home();
    const model = join(home, "tiny.gguf");
    const tiny = await pylon(home, ["models", "tiny", "--out", model]);
    expect(tiny.code, tiny.stderr).toBe(0);
    expect((await pylon(home, ["config", "set", "networks.mine.relays", relay.url])).code).toBe(0);
    expect((await pylon(home, ["config", "set", "models.node", model])).code).toBe(0);
    const served = await harness.start(["node", "--network", "mine", "--free", "--quiet"], {
      env: { PYLON_HOME: home, PYLON_RELAYS: deadRelay },
    });
    const [line] = await served.waitFor(/serving .* on .*/, 30_000);
    expect(line).toContain("serving tiny");
    expect(line).toContain(`on ${relay.url}`);
    served.child.kill("SIGTERM");
    expect((await served.exited).code).toBe(0);
  }, 60_000);

  it("refuses an unknown network in one line listing the known ones", async () => {
    const home = await harness.home();
    for (const args of [
      ["providers", "--network", "mars"],
      ["providers", "--relay", relay.url, "--network", "mars"],
      ["node", "--free", "--network", "mars"],
      ["wallet", "balance", "--network", "mars"],
      ["run", "q", "--context", "-", "--network", "mars"],
    ]) {
      const result = await pylon(home, args);
      expect(result.code, result.stderr).toBe(2);
      expect(result.stderr.trim()).toBe('pylon: --network: unknown network "mars" (known: local, testnet)');
    }
    const env = await pylon(home, ["providers"], { PYLON_NETWORK: "mars" });
    expect(env.code).toBe(2);
    expect(env.stderr.trim()).toBe('pylon: PYLON_NETWORK: unknown network "mars" (known: local, testnet)');
  });

  it("gives pylon run the file's models, naming the key when one is bad", async () => {
    const home = await harness.home();
    writeFileSync(join(home, "config.json"), '{ "models": { "root": "gpt-5" } }\n');
    const result = await pylon(home, ["run", "q", "--context", "-"]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toMatch(new RegExp(`^pylon: ${join(home, "config.json")}: models\\.root: `));
  });
});
