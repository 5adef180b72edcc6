/**
 * `pylon trust list|block|clear` and the trust column of `pylon providers`, as real processes on a reputation
 * book in a temp data dir (written through @pylon/trust's ReputationBook, as a run would), and a real relay
 * with a real provider node (scripted backend) for `pylon providers`.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { RunningProvider } from "@pylon/provider";
import type { RunningRelay } from "@pylon/relay";
import { keywordSub } from "@pylon/rlm/scripted";
import { scriptedNode, startTestRelay } from "@pylon/testkit/market";
import { ReputationBook } from "@pylon/trust";
import * as nip19 from "nostr-tools/nip19";
import { generateSecretKey, getPublicKey } from "nostr-tools/pure";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CliHarness } from "./run-cli.js";

const harness = new CliHarness();
let relay: RunningRelay;
let node: RunningProvider;

beforeAll(async () => {
  relay = await startTestRelay(harness.cleanup);
  const spec = { relays: [relay.url], responses: keywordSub, slots: 1, queue: 1, name: "trust test node" };
  node = (await scriptedNode(harness.cleanup, spec)).node;
}, 30_000);

afterAll(() => harness.cleanup.run());

const pylon = (home: string, args: string[]) => harness.run(args, { env: { PYLON_HOME: home } });

/** A book like one a run leaves: an honest provider with passes, a cheater caught with two struck jobs. */
function writeBook(home: string): { honest: string; cheater: string } {
  const honest = getPublicKey(generateSecretKey());
  const cheater = getPublicKey(generateSecretKey());
  const book = ReputationBook.open(join(home, "trust.db"));
  for (let i = 0; i < 10; i++) book.recordJob(honest, "answered", 2_000);
  book.recordJob(honest, "timeout");
  for (let i = 0; i < 4; i++) book.recordCheck(honest, `h${i}`, "pass");
  book.recordRefund(honest, 500);
  for (let i = 0; i < 3; i++) book.recordJob(cheater, "answered", 1_000);
  book.recordJob(cheater, "refused");
  book.recordCheck(cheater, "job-a", "strike", 1_000);
  book.recordCheck(cheater, "job-b", "strike", 1_000);
  book.block(cheater, "2 of 2 checks struck", "caught", book.strikes(cheater));
  book.close();
  return { honest, cheater };
}

interface Listed {
  pubkey: string;
  npub: string;
  trust: number;
  blocked: { reason: string; by: string; evidence: string[] } | null;
  [key: string]: unknown;
}

async function listJson(home: string): Promise<Listed[]> {
  const result = await pylon(home, ["trust", "list", "--json"]);
  expect(result.code, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as Listed[];
}

describe("pylon trust", () => {
  it("says the book is empty, as text and as JSON, without creating it", async () => {
    const home = await harness.home();
    const text = await pylon(home, ["trust", "list"]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain("is empty");
    expect(text.stdout).toContain(join(home, "trust.db"));
    expect(await listJson(home)).toEqual([]);
    expect(existsSync(join(home, "trust.db"))).toBe(false);
  });

  it("lists every provider's record, score and block; block → blocked; clear → a stranger again", async () => {
    const home = await harness.home();
    const { honest, cheater } = writeBook(home);

    const listed = await listJson(home);
    expect(listed.map((p) => p.pubkey).sort()).toEqual([honest, cheater].sort());
    const byKey = new Map(listed.map((p) => [p.pubkey, p]));
    expect(byKey.get(honest)).toMatchObject({
      npub: nip19.npubEncode(honest),
      jobs: 11,
      answered: 10,
      timeouts: 1,
      refusals: 0,
      checksPassed: 4,
      checksFailed: 0,
      paidSats: 20,
      refundedSats: 0.5,
      paidForBadSats: 0,
      blocked: null,
    });
    expect(byKey.get(honest)!.trust).toBeGreaterThan(0.5);
    expect(byKey.get(cheater)).toMatchObject({
      jobs: 4,
      refusals: 1,
      checksFailed: 2,
      paidSats: 3,
      paidForBadSats: 2,
      trust: 0,
      blocked: { reason: "2 of 2 checks struck", by: "caught", evidence: ["job-a", "job-b"] },
    });
    for (const key of ["firstSeen", "lastSeen"])
      expect(Date.parse(String(byKey.get(honest)![key]))).not.toBeNaN();

    const text = await pylon(home, ["trust", "list"]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain(nip19.npubEncode(cheater).slice(0, 17));
    expect(text.stdout).toMatch(/BLOCKED/);
    expect(text.stdout).toContain("caught by checks");
    expect(text.stdout).toContain("2 of 2 checks struck");
    expect(text.stdout).toMatch(/trust 0\.\d\d/);

    // The user blocks the honest one by npub, with a reason…
    const block = await pylon(home, [
      "trust",
      "block",
      nip19.npubEncode(honest),
      "--reason",
      "slow and rude",
    ]);
    expect(block.code, block.stderr).toBe(0);
    expect((await listJson(home)).find((p) => p.pubkey === honest)).toMatchObject({
      trust: 0,
      blocked: { reason: "slow and rude", by: "user", evidence: [] },
    });
    // …and clears the cheater by hex: block and check history gone, jobs and sats kept.
    const clear = await pylon(home, ["trust", "clear", cheater]);
    expect(clear.code, clear.stderr).toBe(0);
    expect((await listJson(home)).find((p) => p.pubkey === cheater)).toMatchObject({
      blocked: null,
      checksFailed: 0,
      trust: 0.5,
      jobs: 4,
      paidSats: 3,
    });
  });

  it("refuses a bad key with exit 2 naming it, and clearing an unknown provider with exit 1", async () => {
    const home = await harness.home();
    writeBook(home);
    for (const args of [
      ["trust", "block", "npub1notakey"],
      ["trust", "clear", "abc123"],
    ]) {
      const result = await pylon(home, args);
      expect(result.code).toBe(2);
      expect(result.stderr.trim()).toBe(`pylon: "${args[2]}" is not an npub or a 64-digit hex public key`);
    }
    const stranger = getPublicKey(generateSecretKey());
    const unknown = await pylon(home, ["trust", "clear", stranger]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("is not in the reputation book");
    expect(unknown.stderr).toContain(nip19.npubEncode(stranger).slice(0, 17));
  });
});

describe("trust settings of pylon run", () => {
  it("config set trust.* validates and round-trips; a bad value is refused naming the key, exit 2", async () => {
    const home = await harness.home();
    const file = join(home, "config.json");
    const buyer = getPublicKey(generateSecretKey());
    for (const [key, value] of [
      ["trust.checkRate", "0.05"],
      ["trust.checks", "false"],
      ["trust.trustLabelsFrom", `${nip19.npubEncode(buyer)}, ${buyer}`],
    ] as const) {
      const set = await pylon(home, ["config", "set", key, value]);
      expect(set.code, set.stderr).toBe(0);
    }
    expect(JSON.parse(readFileSync(file, "utf8")).trust).toEqual({
      checkRate: 0.05,
      checks: false,
      trustLabelsFrom: [nip19.npubEncode(buyer), buyer],
    });
    const show = await pylon(home, ["config", "show"]);
    expect(JSON.parse(show.stdout).trust).toMatchObject({ value: { checkRate: 0.05 }, source: "file" });
    const before = readFileSync(file, "utf8");
    for (const [key, value, message] of [
      ["trust.checkRate", "2", "trust.checkRate: must be a number from 0 to 1"],
      ["trust.modelDigest", "sha256:beef", "trust.modelDigest: must be sha256: and 64 lower-case hex digits"],
      [
        "trust.trustLabelsFrom",
        "npub1nope",
        "trust.trustLabelsFrom[0]: must be an npub or a 64-digit hex public key",
      ],
    ] as const) {
      const set = await pylon(home, ["config", "set", key, value]);
      expect(set.code).toBe(2);
      expect(set.stderr.trim()).toBe(`pylon: ${file}: ${message}`);
    }
    expect(readFileSync(file, "utf8")).toBe(before);
  });

  it("pylon run lists the trust flags and refuses a bad one naming it", async () => {
    const home = await harness.home();
    const help = await pylon(home, ["run", "--help"]);
    for (const flag of [
      "--model-digest",
      "--check-rate",
      "--no-checks",
      "--verify-local",
      "--publish-verdicts",
      "--trust-labels-from",
    ])
      expect(help.stdout).toContain(flag);
    const bad = await pylon(home, ["run", "q", "--root", "scripted", "--check-rate", "3"]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('"3" is not a check rate');
  });
});

describe("pylon providers: trust and digest columns", () => {
  it("shows a stranger at 0.5, a blocked provider as blocked, and no digest as —", async () => {
    const home = await harness.home();
    const list = async () => {
      const result = await pylon(home, ["providers", "--relay", relay.url, "--json", "--timeout", "2000"]);
      expect(result.code, result.stderr).toBe(0);
      return JSON.parse(result.stdout) as Array<{
        pubkey: string;
        digest: string | null;
        trust: { score: number; blocked: boolean };
      }>;
    };
    expect(await list()).toMatchObject([
      { pubkey: node.pubkey, digest: null, trust: { score: 0.5, blocked: false } },
    ]);
    expect((await pylon(home, ["trust", "block", node.pubkey])).code).toBe(0);
    expect(await list()).toMatchObject([{ pubkey: node.pubkey, trust: { score: 0, blocked: true } }]);
    const text = await pylon(home, ["providers", "--relay", relay.url, "--timeout", "2000"]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain("BLOCKED");
    expect(text.stdout).toContain("digest —");

    const bad = await pylon(home, ["providers", "--relay", relay.url, "--allow", "npub1nope"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim()).toBe('pylon: --allow: "npub1nope" is not an npub or a 64-digit hex public key');
  });
});
