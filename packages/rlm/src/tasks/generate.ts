import { generateOolong } from "./oolong.js";
import { generatePairs } from "./oolong-pairs.js";
import { generateSniah } from "./sniah.js";
import type { BenchTask, TaskKind } from "./task.js";

export const TASK_KINDS: readonly TaskKind[] = ["sniah", "oolong", "pairs"];

/** A task of `kind` with about `sizeTokens` tokens of context; the same seed always gives the same task. */
export function generateTask(kind: TaskKind, sizeTokens: number, seed: number): BenchTask {
  switch (kind) {
    case "sniah":
      return generateSniah(sizeTokens, seed);
    case "oolong":
      return generateOolong(sizeTokens, seed);
    case "pairs":
      return generatePairs(sizeTokens, seed);
  }
}
