/**
 * `pylon run`'s trust flags and the config file's `trust` keys: parsing (a bad value named), flag > file,
 * what they become for the swarm (TrustOptions), and `--verify-local`'s reference answers from a real
 * llama.cpp backend on the generated GGUF (greedy, seeded: the same answer every time).
 */
import { join } from "node:path";
import { createLlamaBackend, writeTinyGguf } from "@pylon/inference";
import { Cleanup, tempDir } from "@pylon/testkit";
import { Command } from "commander";
import * as nip19 from "nostr-tools/nip19";
import { generateSecretKey, getPublicKey } from "nostr-tools/pure";
import { afterAll, describe, expect, it } from "vitest";
import { validate } from "../src/config/file.js";
import { addTrustOptions, applyTrustConfig, type TrustCliOptions } from "../src/trust/run-flags.js";
import { openRunTrust } from "../src/trust/run-trust.js";

const cleanup = new Cleanup();
afterAll(() => cleanup.run());

const DIGEST = `sha256:${"ab".repeat(32)}`;
const hexA = getPublicKey(generateSecretKey());
const hexB = getPublicKey(generateSecretKey());

/** `pylon run`'s trust flags parsed from `args`; commander's error thrown instead of exiting. */
function parse(args: string[]): { command: Command; opts: TrustCliOptions } {
  const command = addTrustOptions(new Command("run").exitOverride().configureOutput({ writeErr: () => {} }));
  command.parse(args, { from: "user" });
  return { command, opts: command.opts<TrustCliOptions>() };
}

describe("trust flags", () => {
  it("parse into the run's trust options: digest, rate, checks off, local model, verdicts, trusted buyers as hex", () => {
    const { opts } = parse([
      "--model-digest",
      DIGEST,
      "--check-rate",
      "0.1",
      "--no-checks",
      "--verify-local",
      "/models/x.gguf",
      "--publish-verdicts",
      "--trust-labels-from",
      `${nip19.npubEncode(hexA)},${hexB}`,
      "--trust-labels-from",
      hexA,
    ]);
    expect(opts).toEqual({
      modelDigest: DIGEST,
      checkRate: 0.1,
      checks: false,
      verifyLocal: "/models/x.gguf",
      publishVerdicts: true,
      trustLabelsFrom: [hexA, hexB],
    });
    expect(parse([]).opts).toEqual({ checks: true });
  });

  it("refuses bad values naming the flag and the value", () => {
    const cases: Array<[string[], RegExp]> = [
      [["--model-digest", "sha256:xyz"], /--model-digest.*"sha256:xyz" is not a model digest/],
      [["--model-digest", `SHA256:${"AB".repeat(32)}`], /is not a model digest/],
      [["--check-rate", "1.5"], /--check-rate.*"1.5" is not a check rate/],
      [["--check-rate", "-0.1"], /is not a check rate/],
      [["--trust-labels-from", `${hexA},npub1bogus`], /--trust-labels-from.*"npub1bogus" is not an npub/],
    ];
    for (const [args, message] of cases) expect(() => parse(args), args.join(" ")).toThrow(message);
  });
});

describe("config trust keys", () => {
  const file = "/home/u/.pylon/config.json";

  it("accepts every key", () => {
    const config = {
      trust: {
        modelDigest: DIGEST,
        checkRate: 0,
        checks: false,
        publishVerdicts: true,
        trustLabelsFrom: [nip19.npubEncode(hexA), hexB],
      },
    };
    expect(validate(config, file)).toEqual(config);
  });

  it("names the key path of a bad value", () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ modelDigest: "sha256:00" }, "trust.modelDigest: must be sha256: and 64 lower-case hex digits"],
      [{ checkRate: 2 }, "trust.checkRate: must be a number from 0 to 1"],
      [{ checkRate: "often" }, "trust.checkRate: must be a number from 0 to 1"],
      [{ checks: "yes" }, "trust.checks: must be true or false"],
      [{ publishVerdicts: 1 }, "trust.publishVerdicts: must be true or false"],
      [
        { trustLabelsFrom: [hexA, "bob"] },
        "trust.trustLabelsFrom[1]: must be an npub or a 64-digit hex public key",
      ],
      [{ trustLabelsFrom: hexA }, "trust.trustLabelsFrom: must be a list of npubs or hex public keys"],
      [{ checkrate: 0.1 }, 'trust: unknown key "checkrate"'],
    ];
    for (const [trust, message] of cases)
      expect(() => validate({ trust }, file)).toThrow(`${file}: ${message}`);
  });

  it("fill what the flags leave unset; a flag beats the file", () => {
    const loaded = {
      file,
      config: {
        trust: {
          modelDigest: DIGEST,
          checkRate: 0.2,
          checks: false,
          publishVerdicts: true,
          trustLabelsFrom: [nip19.npubEncode(hexA)],
        },
      },
    };
    const fromFile = parse([]);
    applyTrustConfig(fromFile.command, fromFile.opts, loaded);
    expect(fromFile.opts).toEqual({
      modelDigest: DIGEST,
      checkRate: 0.2,
      checks: false,
      publishVerdicts: true,
      trustLabelsFrom: [hexA],
    });
    const other = `sha256:${"cd".repeat(32)}`;
    const flags = parse(["--model-digest", other, "--check-rate", "0.5", "--trust-labels-from", hexB]);
    applyTrustConfig(flags.command, flags.opts, loaded);
    expect(flags.opts).toMatchObject({ modelDigest: other, checkRate: 0.5, trustLabelsFrom: [hexB] });
  });
});

describe("the swarm's trust options", () => {
  it("put the book in the data dir; a rate becomes the schedule's base rate; --no-checks turns checks off", async () => {
    const gpu = false as const;
    const rate = await openRunTrust({ checkRate: 0.07, checks: true }, "/data", { gpu });
    expect(rate.options).toEqual({
      book: join("/data", "trust.db"),
      checks: { schedule: { baseRate: 0.07 } },
    });
    const off = await openRunTrust(
      { checks: false, modelDigest: DIGEST, publishVerdicts: true, trustLabelsFrom: [hexA] },
      "/data",
      { gpu },
    );
    expect(off.options).toEqual({
      book: join("/data", "trust.db"),
      checks: false,
      modelDigest: DIGEST,
      publishVerdicts: true,
      trustLabelsFrom: [hexA],
    });
    expect((await openRunTrust({}, "/data", { gpu })).options).toEqual({ book: join("/data", "trust.db") });
  });

  it("--verify-local answers a check with the local GGUF, greedy with the check's seed (real llama.cpp)", async () => {
    const dir = await tempDir(cleanup, "pylon-verify-local-");
    const model = join(dir, "tiny.gguf");
    await writeTinyGguf(model, { seed: 7 });
    const trust = await openRunTrust({ verifyLocal: model }, dir, { gpu: false });
    cleanup.add(() => trust.close());
    const verify = trust.options.verifyLocal!;
    const request = {
      messages: [{ role: "user" as const, content: "Which colour is the sky over the harbour?" }],
      maxTokens: 24,
      depth: 1,
      runId: "r",
    };
    const first = await verify(request, 42);
    expect(first.length).toBeGreaterThan(0);
    expect(await verify(request, 42)).toBe(first);
    // The same model asked the same way directly: the reference is the model's own greedy answer.
    const direct = await createLlamaBackend({ model, gpu: false });
    cleanup.add(() => direct.close());
    const answer = await direct.generate({ ...request, temperature: 0, seed: 42 });
    expect(answer.text).toBe(first);

    await expect(
      openRunTrust({ verifyLocal: join(dir, "missing.gguf") }, dir, { gpu: false }),
    ).rejects.toThrow(/^--verify-local .*missing\.gguf: /);
  }, 60_000);
});
