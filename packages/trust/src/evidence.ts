/**
 * The catch rule. One check can blame an honest provider (its answer was the odd one out by bad luck of
 * floating-point order), so a verdict weighs all the checks a provider took part in: Wald's sequential
 * probability ratio test between "honest" (a strike — being the odd one out — at rate `honestStrikeRate`)
 * and "cheating" (strikes at `cheaterStrikeRate` or more). Each strike adds ln(p1/p0), each pass
 * ln((1-p1)/(1-p0)); a provider is caught when the sum reaches ln(1/falseCatch): the chance that an
 * honest provider striking at p0 ever gets there is at most `falseCatch`, however long it is watched.
 * With the defaults a provider that always cheats is caught at its 5th strike; one cheating on 10% of
 * jobs after about 5 strikes in 50 checks. A sum above 0 makes a provider a suspect: every job checked.
 */

export interface EvidenceRule {
  /** Strikes per check expected of an honest provider (p0). Default 0.002 (measured: < 0.1%). */
  honestStrikeRate: number;
  /** Strikes per check of the least cheating worth catching (p1). Default 0.05. */
  cheaterStrikeRate: number;
  /** Most probability that an honest provider is ever caught (α). Default 1e-6. */
  falseCatch: number;
}

export const DEFAULT_EVIDENCE: EvidenceRule = {
  honestStrikeRate: 0.002,
  cheaterStrikeRate: 0.05,
  falseCatch: 1e-6,
};

/** A provider's checks: passes (its answer agreed with the reference) and strikes (it was the odd one out). */
export interface CheckTally {
  passes: number;
  strikes: number;
}

/** The log-likelihood ratio "cheating" over "honest" of a tally. */
export function evidenceScore(tally: CheckTally, rule: Partial<EvidenceRule> = {}): number {
  const { honestStrikeRate: p0, cheaterStrikeRate: p1 } = { ...DEFAULT_EVIDENCE, ...rule };
  return tally.strikes * Math.log(p1 / p0) + tally.passes * Math.log((1 - p1) / (1 - p0));
}

/** Caught: the evidence reached ln(1/falseCatch). */
export function isCaught(tally: CheckTally, rule: Partial<EvidenceRule> = {}): boolean {
  const { falseCatch } = { ...DEFAULT_EVIDENCE, ...rule };
  return evidenceScore(tally, rule) >= Math.log(1 / falseCatch);
}

/** Suspect: the evidence leans towards cheating (every job of a suspect is checked). */
export function isSuspect(tally: CheckTally, rule: Partial<EvidenceRule> = {}): boolean {
  return evidenceScore(tally, rule) > 0;
}
