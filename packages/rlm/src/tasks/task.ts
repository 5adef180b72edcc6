/** What every benchmark task provides: the input, the exact gold answer, the scorer, and a scripted oracle. */
import type { ContextValue } from "../sandbox/types.js";

export type TaskKind = "sniah" | "oolong" | "pairs";

export interface BenchTask {
  kind: TaskKind;
  seed: number;
  /** Requested size in tokens (4 characters each). */
  sizeTokens: number;
  question: string;
  context: ContextValue;
  /** The gold answer, as text (for pairs: the pairs, one per line). */
  gold: string;
  /** The paper's metric for this task, in [0, 1]. */
  score(answer: string | null): number;
  /**
   * SCRIPTED stand-in for a sub-model: answers a sub-call prompt about part of the context from the
   * generator's hidden truth (S-NIAH: the needle if the prompt holds it; OOLONG: the label of every record in
   * the prompt). For tests and offline benchmarks of the engine, never a measure of a model.
   */
  oracle(prompt: string): string;
}
