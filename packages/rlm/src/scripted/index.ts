/**
 * @pylon/rlm/scripted: SCRIPTED roots and sub models, deterministic stand-ins for tests, demos and engine
 * benchmarks (`--root scripted`); never chosen for a user who did not ask for one.
 */

// Roots that write the REPL code: map-reduce over chunks, and label-then-aggregate.
export {
  type ConversationRootOptions,
  conversationRoot,
  type MapReduceRootOptions,
  mapReduceRoot,
} from "./map-reduce-root.js";
export { type ClassifyRootOptions, classifyRoot } from "./classify-root.js";

// A sub model that answers from keywords in the prompt.
export { keywordSub } from "./keyword-sub.js";

// Helpers for writing a scripted root.
export { isForcedFinal, lastUserMessage, pyString, questionOf, repl, replyIndex } from "./conversation.js";

// Types of @pylon/rlm/tasks that the signatures above use.
export type { OolongQuestion } from "../tasks/oolong.js";
export type { Label } from "../tasks/oolong-instances.js";
export type { PairsQuestion, UserCondition } from "../tasks/oolong-pairs.js";
