/**
 * How often a provider's answers are checked. A provider with little history is checked often (the
 * chance of catching a cheater early), falling as its record grows to a few percent; a suspect is checked
 * every time. rate = 1 for a suspect or a provider reported by buyers the user trusts, else
 * max(baseRate, min(1, youngFactor / sqrt(jobs + 1))), where jobs counts every job it did for this buyer
 * (all runs, from the reputation book). Defaults: at 0 jobs every answer, at 100 30%, at 1,000 9.5%, from
 * 10,000 on 3%.
 */
import { type CheckTally, type EvidenceRule, isSuspect } from "./evidence.js";

export interface CheckSchedule {
  /** The rate a long-known provider settles to. Default 0.03. */
  baseRate: number;
  /** Rate at n jobs = youngFactor / sqrt(n + 1), until it falls to `baseRate`. Default 3. */
  youngFactor: number;
  /** Passes before a provider leaves probation. Default 3. */
  probationPasses: number;
  /** Jobs a provider on probation (or a suspect) may hold whose checks have not ended. Default 3. */
  probationUnverified: number;
}

export const DEFAULT_SCHEDULE: CheckSchedule = {
  baseRate: 0.03,
  youngFactor: 3,
  probationPasses: 3,
  probationUnverified: 3,
};

export interface CheckHistory extends CheckTally {
  /** Jobs this provider did for us, all runs. */
  jobs: number;
  /** Buyers the user trusts who labelled it a cheater (NIP-32). */
  reports?: number;
}

export function checkProbability(
  history: CheckHistory,
  schedule: Partial<CheckSchedule> = {},
  evidence: Partial<EvidenceRule> = {},
): number {
  const { baseRate, youngFactor } = { ...DEFAULT_SCHEDULE, ...schedule };
  if (isSuspect(history, evidence) || (history.reports ?? 0) > 0) return 1;
  return Math.max(baseRate, Math.min(1, youngFactor / Math.sqrt(history.jobs + 1)));
}

/** On probation: fewer passes than `probationPasses`, or a suspect. Its unverified jobs are capped. */
export function onProbation(
  history: CheckHistory,
  schedule: Partial<CheckSchedule> = {},
  evidence: Partial<EvidenceRule> = {},
): boolean {
  const { probationPasses } = { ...DEFAULT_SCHEDULE, ...schedule };
  return history.passes < probationPasses || isSuspect(history, evidence);
}
