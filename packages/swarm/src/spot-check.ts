/**
 * One spot check of one answer. The very same sub-call (same messages, max_tokens, temperature 0 and
 * seed: an exact duplicate of the original request) goes through the ordinary dispatch path to another
 * provider announcing the same model digest (or, where the original announces none, the same model name):
 * same kinds, tags, batching, encryption and payment, so a provider cannot tell a check from work. The
 * answers are judged (@pylon/trust judge: a disagreement asks up to `maxReferees` more providers); passes
 * and strikes go to the book and a provider meeting the catch rule is caught (trust-keeper.ts). With
 * `verifyLocal` the buyer's own model is the reference: agree → pass, disagree → strike, no referee.
 */
import type { SubcallRequest } from "@pylon/rlm";
import { type CheckAnswer, type ComparisonRule, compareAnswers, judge } from "@pylon/trust";
import type { ProviderEntry } from "./directory.js";
import { type JobNeeds, offeredDigest, type Selector } from "./selection.js";
import { runSubcall, type SubcallDeps } from "./subcall-runner.js";
import type { TrustKeeper } from "./trust-keeper.js";
import type { TrustOptions } from "./trust-types.js";

/** An answer in a check: who gave it, in which job, and what that job cost. */
export interface CheckedAnswer extends CheckAnswer {
  costMsats: number;
}

export interface SpotCheckContext {
  keeper: TrustKeeper;
  /** Dispatch for check jobs (their attempts are stored apart from the sub-call's). */
  deps: SubcallDeps;
  verifyLocal: TrustOptions["verifyLocal"];
  comparison: Partial<ComparisonRule>;
  maxReferees: number;
}

export type CheckResult =
  | { outcome: "passed" }
  /** The original was the odd one out; `reference` is an answer of the agreeing group. */
  | { outcome: "struck"; reference: CheckedAnswer }
  | { outcome: "inconclusive" };

/** The provider serving the answer under check, as the directory knows it. */
export interface CheckSubject {
  entry: ProviderEntry;
  answer: CheckedAnswer;
}

export async function spotCheck(
  ctx: SpotCheckContext,
  request: SubcallRequest,
  needs: JobNeeds,
  hash: string,
  seed: number,
  subject: CheckSubject,
  deadline: number,
  signal: AbortSignal,
): Promise<CheckResult> {
  const { keeper } = ctx;
  const { answer: original } = subject;
  ctx.deps.counters.checks++;
  if (ctx.verifyLocal) {
    let local: string;
    try {
      local = await ctx.verifyLocal(request, seed);
    } catch {
      keeper.report.inconclusive++;
      return { outcome: "inconclusive" };
    }
    const agree = compareAnswers(original.text, local, ctx.comparison).agree;
    keeper.recordCheck(original.provider, original.jobId, agree ? "pass" : "strike", original.costMsats);
    keeper.judgeProviders([original.provider]);
    if (agree) return { outcome: "passed" };
    return { outcome: "struck", reference: { provider: "local", jobId: "local", text: local, costMsats: 0 } };
  }

  // Only providers serving what the original announced: its digest, else the model name it served.
  const model = needs.model ?? subject.entry.announcement.models[0]?.name;
  const checkNeeds: JobNeeds = {
    ...needs,
    model,
    digest: offeredDigest(subject.entry, model) ?? needs.digest,
    check: true,
  };
  const held: string[] = [];
  try {
    return await judgeWithReferees(ctx, request, checkNeeds, hash, original, held, deadline, signal);
  } finally {
    for (const provider of held) keeper.awaiting(provider, -1);
  }
}

/** Asks referees until the answers have a verdict (or none may be asked), then records and returns it. */
async function judgeWithReferees(
  ctx: SpotCheckContext,
  request: SubcallRequest,
  checkNeeds: JobNeeds,
  hash: string,
  original: CheckedAnswer,
  held: string[],
  deadline: number,
  signal: AbortSignal,
): Promise<CheckResult> {
  const { keeper } = ctx;
  const answers: CheckedAnswer[] = [original];
  const judgeOptions = { credible: (provider: string) => keeper.credible(provider) };
  let verdict = judge(answers, ctx.comparison, judgeOptions);
  for (let asked = 0; verdict.needMore && asked < 1 + ctx.maxReferees && !signal.aborted; asked++) {
    const exclude = new Set(answers.map((a) => a.provider));
    // The first check of a credible provider's answer goes to a suspect where one can take it: evidence on
    // the suspect at no risk to the sub-call (a credible referee settles a disagreement), so a cheater that
    // selection no longer trusts with work is still caught instead of merely starved.
    const preferSuspects = answers.length === 1 && keeper.credible(original.provider);
    const deps = {
      ...ctx.deps,
      selector: excluding(ctx.deps.selector, exclude, keeper, preferSuspects),
    };
    const outcome = await runSubcall(deps, request, checkNeeds, hash, deadline, signal);
    if (!outcome.ok) break;
    // A check's answer is unverified until the check ends: it holds a probation place (a provider that
    // answers at once must not serve checks faster than they can be judged).
    keeper.awaiting(outcome.entry.pubkey, 1);
    held.push(outcome.entry.pubkey);
    keeper.report.checkCostMsats += outcome.costMsats;
    answers.push({
      provider: outcome.entry.pubkey,
      jobId: outcome.outcome.jobId,
      text: outcome.outcome.output,
      costMsats: outcome.costMsats,
    });
    verdict = judge(answers, ctx.comparison, judgeOptions);
  }
  if (!verdict.conclusive) {
    keeper.report.inconclusive++;
    return { outcome: "inconclusive" };
  }
  const costOf = (a: CheckAnswer): number => answers.find((x) => x.jobId === a.jobId)?.costMsats ?? 0;
  for (const a of verdict.passed) keeper.recordCheck(a.provider, a.jobId, "pass", costOf(a));
  for (const a of verdict.struck) keeper.recordCheck(a.provider, a.jobId, "strike", costOf(a));
  keeper.judgeProviders(answers.map((a) => a.provider));
  if (verdict.passed.some((a) => a.jobId === original.jobId)) return { outcome: "passed" };
  const reference = verdict.reference[0]!;
  return { outcome: "struck", reference: { ...reference, costMsats: costOf(reference) } };
}

/**
 * `selector` without the providers in `exclude` (those that already answered this check). Suspects referee
 * only when nobody else can; with `preferSuspects` (a credible answer's first check) a suspect goes first.
 * A suspect takes a check only within its probation quota (check jobs are otherwise exempt from it, so that
 * strangers checking each other cannot wait on one another): a junk node answering at once would else take
 * a flood of checks before the first of them were judged.
 */
function excluding(
  selector: Selector,
  exclude: ReadonlySet<string>,
  keeper: TrustKeeper,
  preferSuspects: boolean,
): Selector {
  const without = (set: ReadonlySet<string>): Set<string> => new Set([...set, ...exclude]);
  return {
    pick: (needs, skip) => {
      const skipped = without(skip);
      // Suspects are few (the keeper knows them); the others are everyone else, picked as usual.
      const suspects = keeper.suspects().filter((pubkey) => !skipped.has(pubkey));
      if (suspects.length === 0) return selector.pick(needs, skipped);
      const others = () => selector.pick(needs, new Set([...skipped, ...suspects]));
      const ready = () => {
        for (const pubkey of suspects) {
          if (keeper.capped(pubkey, 1)) continue;
          const entry = selector.choose ? selector.choose(needs, pubkey) : undefined;
          if (entry) return entry;
        }
        return undefined;
      };
      return preferSuspects ? (ready() ?? others()) : (others() ?? ready());
    },
    eligible: (needs, skip) => selector.eligible(needs, without(skip)),
    whyNone: (needs, extra) => selector.whyNone(needs, extra),
  };
}
