export { generateTask, TASK_KINDS } from "./generate.js";
export { generateOolong, labelsNamed, type OolongQuestion, type OolongTask, scoreLabel } from "./oolong.js";
export { LABELS, type Label } from "./oolong-instances.js";
export { generatePairs, type PairsQuestion, type PairsTask, type UserCondition } from "./oolong-pairs.js";
export { f1, firstNumber, parsePairs, scoreExact, scoreNeedle, scoreNumeric, scorePairs } from "./scoring.js";
export { CHARS_PER_TOKEN, MAX_TASK_TOKENS, MIN_TASK_TOKENS } from "./size.js";
export { generateSniah, type SniahTask } from "./sniah.js";
export type { BenchTask, TaskKind } from "./task.js";
