/**
 * One spot check's answers → who passed and who struck. answers[0] is the checked (original) answer, the
 * rest came from other providers running the same job. Answers are grouped by agreement (compare.ts); a
 * reference group is one of at least two answers from distinct providers, larger than every other group.
 * Members of the reference pass; answers outside it that agree with none of its members strike. Agreement
 * is not transitive (a shared start with one, n-gram similarity with another), so an answer outside the
 * reference that agrees with one of its members is left alone: it neither passes nor strikes, and an honest
 * referee is never blamed because the answer it was grouped against was the cheater's. Two answers that
 * agree: both pass. Two that disagree, or three or more without a reference: more answers are needed
 * (`needMore`); with no answer left to ask the check is inconclusive (nobody passes or strikes).
 *
 * A reference that would strike someone must be credible: three providers or more, or one of them in good
 * standing (`credible`, e.g. past probation and no suspect). Two strangers' answers can agree by chance —
 * two cheaters' short answers sharing a common first word — and must not outvote an honest one; such a
 * check asks one more provider instead.
 */
import { type ComparisonRule, compareAnswers } from "./compare.js";

export interface CheckAnswer {
  provider: string;
  jobId: string;
  text: string;
}

export interface CheckVerdict {
  /** A reference group exists. */
  conclusive: boolean;
  /** No reference yet: ask one more provider (when the check may still do so). */
  needMore: boolean;
  /** The reference group (the answers taken as right); empty when inconclusive. */
  reference: CheckAnswer[];
  passed: CheckAnswer[];
  struck: CheckAnswer[];
}

export interface JudgeOptions {
  /** Whether a provider's answer may carry a two-answer reference that strikes another. Default: all. */
  credible?: (provider: string) => boolean;
}

export function judge(
  answers: readonly CheckAnswer[],
  rule: Partial<ComparisonRule> = {},
  options: JudgeOptions = {},
): CheckVerdict {
  const groups: CheckAnswer[][] = [];
  for (const answer of answers) {
    // An answer joins the first group whose first member it agrees with (greedy, in order: the original first).
    const home = groups.find((group) => compareAnswers(group[0]!.text, answer.text, rule).agree);
    if (home) home.push(answer);
    else groups.push([answer]);
  }
  const providers = (group: CheckAnswer[]): number => new Set(group.map((a) => a.provider)).size;
  const sorted = [...groups].sort((a, b) => providers(b) - providers(a));
  const best = sorted[0];
  const runnerUp = sorted[1];
  const hasReference =
    best !== undefined &&
    providers(best) >= 2 &&
    (runnerUp === undefined || providers(best) > providers(runnerUp));
  const undecided: CheckVerdict = {
    conclusive: false,
    needMore: true,
    reference: [],
    passed: [],
    struck: [],
  };
  if (!hasReference) return undecided;
  const struck = answers.filter(
    (answer) =>
      !best.includes(answer) && !best.some((member) => compareAnswers(member.text, answer.text, rule).agree),
  );
  const credible =
    providers(best) >= 3 || options.credible === undefined || best.some((a) => options.credible!(a.provider));
  if (struck.length > 0 && !credible) return undecided;
  return { conclusive: true, needMore: false, reference: best, passed: best, struck };
}
