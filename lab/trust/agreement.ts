/**
 * How often honest providers agree (docs/benchmarks.md, "Trust: cheaters caught"): the same generated GGUF
 * and the same greedy prompts (the cheaters run's, trustPrompts) on llama backends with different slot
 * counts, all prompts submitted at once, so each answer is decoded in a different batch composition; every
 * pair of honest answers to a prompt compared with @pylon/trust's compareAnswers. Beside it, what the rule
 * makes of the cheaters' answers (a prompt cut to its first quarter, another generated model, junk).
 *
 *   node --import tsx lab/trust/agreement.ts [--prompts 240] [--seed 1] [--json FILE]
 */
import os from "node:os";
import path from "node:path";
import { type Backend, createLlamaBackend, writeTinyGguf } from "@pylon/inference";
import { benchArgs, percentile, writeBenchJson } from "@pylon/testkit/bench";
import { compareAnswers } from "@pylon/trust";
import { cheatingBackend } from "./cheat-backend.js";
import { TRUST_MAX_TOKENS, trustPrompts } from "./prompts.js";

const SLOTS = [1, 3, 5, 8, 16];
const { values, json } = benchArgs({ prompts: 240, seed: 1 });
const dir = await import("node:fs/promises").then((fs) => fs.mkdtemp(path.join(os.tmpdir(), "pylon-agree-")));
const honestFile = path.join(dir, "tiny.gguf");
const otherFile = path.join(dir, "other.gguf");
await writeTinyGguf(honestFile, { seed: 7 });
await writeTinyGguf(otherFile, { seed: 8 });
const prompts = trustPrompts(values.prompts, values.seed);

async function answers(backend: Backend): Promise<string[]> {
  try {
    const results = await Promise.all(
      prompts.map((content) =>
        backend.generate({
          messages: [{ role: "user", content }],
          maxTokens: TRUST_MAX_TOKENS,
          temperature: 0,
        }),
      ),
    );
    return results.map((r) => r.text);
  } finally {
    await backend.close();
  }
}
const llama = (model: string, slots: number) =>
  createLlamaBackend({ model, slots, maxQueue: prompts.length, threads: 1, gpu: false, contextSize: 512 });

const started = performance.now();
const honest: string[][] = [];
for (const slots of SLOTS) honest.push(await answers(await llama(honestFile, slots)));
const cheats = {
  truncate: await answers(
    cheatingBackend(await llama(honestFile, 4), { cheat: "truncate", seed: 1, modelName: "tiny" }),
  ),
  "other-model": await answers(await llama(otherFile, 4)),
  junk: await answers(
    cheatingBackend(await llama(honestFile, 4), { cheat: "junk", seed: 1, modelName: "tiny" }),
  ),
};

// Honest pairs: every two slot settings, per prompt.
let pairs = 0;
let identical = 0;
let agreeing = 0;
const divergedAt: number[] = [];
const divergedDice: number[] = [];
const reasons: Record<string, number> = {};
for (let a = 0; a < SLOTS.length; a++)
  for (let b = a + 1; b < SLOTS.length; b++)
    for (let i = 0; i < prompts.length; i++) {
      const c = compareAnswers(honest[a]![i]!, honest[b]![i]!);
      pairs++;
      reasons[c.reason] = (reasons[c.reason] ?? 0) + 1;
      if (c.reason === "identical") identical++;
      else {
        divergedAt.push(c.commonPrefix);
        divergedDice.push(c.similarity);
      }
      if (c.agree) agreeing++;
    }
// A cheater's answer against the honest one (slots 1): how often the rule lets it pass.
const cheatAgreement = Object.fromEntries(
  Object.entries(cheats).map(([cheat, texts]) => {
    const agree = texts.filter((t, i) => compareAnswers(honest[0]![i]!, t).agree).length;
    return [cheat, { agree, of: texts.length }];
  }),
);

const pct = (n: number, of: number) => `${((n / of) * 100).toFixed(1)}%`;
const report = {
  benchmark: "trust/agreement",
  date: new Date().toISOString(),
  prompts: prompts.length,
  slots: SLOTS,
  maxTokens: TRUST_MAX_TOKENS,
  pairs,
  identical,
  agreeing,
  reasons,
  divergedAtMedian: percentile(divergedAt, 0.5),
  divergedDiceMedian: percentile(divergedDice, 0.5),
  divergedDiceP5: percentile(divergedDice, 0.05),
  cheatAgreement,
  seconds: (performance.now() - started) / 1000,
};
console.log(
  [
    `honest pairs (${prompts.length} prompts × ${pairs / prompts.length} pairs of slot settings ${SLOTS.join("/")}): ${pairs}`,
    `identical ${identical} (${pct(identical, pairs)}); agreeing under the rule ${agreeing} (${pct(agreeing, pairs)}); by reason ${JSON.stringify(reasons)}`,
    `diverged pairs: part ways after ${report.divergedAtMedian} characters (median); Dice median ${report.divergedDiceMedian.toFixed(2)}, p5 ${report.divergedDiceP5.toFixed(2)}`,
    ...Object.entries(cheatAgreement).map(
      ([cheat, { agree, of }]) =>
        `${cheat}: agrees with the honest answer ${agree}/${of} (${pct(agree, of)})`,
    ),
    `${report.seconds.toFixed(1)} s`,
  ].join("\n"),
);
writeBenchJson(json, report);
await import("node:fs/promises").then((fs) => fs.rm(dir, { recursive: true, force: true }));
