/**
 * @pylon/trust: no trust in a stranger's answer the buyer has not earned evidence for. The rules (which
 * the swarm applies, see docs/trust.md): when two answers agree, who a spot check blames, when blame
 * becomes a catch, how often to check whom, how much to trust whom; and the reputation book that remembers
 * it across runs, plus NIP-32 verdicts shared between buyers who opt in.
 */

// Rules: comparing answers, judging one check, catching on accumulated evidence, the check schedule, trust.
export {
  type Comparison,
  type ComparisonRule,
  compareAnswers,
  DEFAULT_COMPARISON,
  diceSimilarity,
} from "./compare.js";
export { type CheckAnswer, type CheckVerdict, type JudgeOptions, judge } from "./judge.js";
export {
  type CheckTally,
  DEFAULT_EVIDENCE,
  type EvidenceRule,
  evidenceScore,
  isCaught,
  isSuspect,
} from "./evidence.js";
export {
  type CheckHistory,
  type CheckSchedule,
  checkProbability,
  DEFAULT_SCHEDULE,
  onProbation,
} from "./schedule.js";
export { trustScore } from "./score.js";

// The reputation book (SQLite, across runs).
export {
  type BlockState,
  type JobEnd,
  type ProviderRecord,
  ReputationBook,
  type ReputationBookOptions,
} from "./book.js";

// Verdicts shared between buyers who opt in: NIP-32 labels naming providers caught cheating.
export {
  type ProviderReports,
  publishVerdict,
  type ReadVerdictsOptions,
  readVerdicts,
  type Verdict,
} from "./verdicts.js";
