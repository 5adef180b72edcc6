/** The user-side messages of the root loop: the opening, the feedback after each reply, the last call. */
import type { CellResult } from "../sandbox/types.js";
import { headAndTail } from "../util/truncate.js";
import type { CodeBlock } from "./code-blocks.js";

const LISTED_VARIABLES = 100;
const QUESTION_REMINDER_CHARS = 2_000;

export function openingMessage(question: string, metadata: string): string {
  return `${metadata}\n\nQuestion: ${question}\n\nYou have not looked at the context yet. Start by exploring it in the REPL; do not give a final answer before you have seen what the context contains.`;
}

export interface BlockRun {
  block: CodeBlock;
  result: CellResult;
}

/** What one block produced, as the model sees it: stdout, stderr, then the exception, cut to `limit`. */
export function renderBlockOutput(result: CellResult, limit: number): string {
  const parts: string[] = [];
  if (result.stdout) parts.push(result.stdout.replace(/\n$/, ""));
  if (result.stderr) parts.push(`[stderr]\n${result.stderr.replace(/\n$/, "")}`);
  if (result.error) {
    const { type, message, traceback } = result.error;
    parts.push(traceback?.trim() ? traceback.trim() : `${type}: ${message}`);
    if (traceback?.trim() && !traceback.includes(`${type}:`)) parts.push(`${type}: ${message}`);
  }
  if (result.restarted) parts.push("[the REPL was restarted: every variable you defined is gone]");
  const text = parts.join("\n");
  return text ? headAndTail(text, limit) : "(no output)";
}

export interface FeedbackOptions {
  runs: BlockRun[];
  /** Blocks that were not run because an earlier one produced the final answer. */
  skipped: number;
  unclosed: boolean;
  variables: string[];
  outputChars: number;
  question: string;
  /** A problem with the reply's FINAL / FINAL_VAR, to explain why the run goes on. */
  finalProblem?: string;
  iterationsLeft: number;
}

export function feedbackMessage(options: FeedbackOptions): string {
  const sections: string[] = [];
  const count = options.runs.length;
  options.runs.forEach((run, index) => {
    sections.push(
      `Output of block ${index + 1} of ${count}:\n${renderBlockOutput(run.result, options.outputChars)}`,
    );
  });
  if (count === 0) {
    sections.push(
      "Your reply had no ```repl block, so nothing ran. Write code in ```repl fences, or finish with FINAL(answer) / FINAL_VAR(name) at the start of a line.",
    );
  }
  if (options.unclosed) sections.push("A ```repl block was not closed with ``` and did not run.");
  if (options.skipped > 0) sections.push(`${options.skipped} later block(s) did not run.`);
  if (options.finalProblem) sections.push(options.finalProblem);
  sections.push(`REPL variables: ${listVariables(options.variables)}`);
  const question =
    options.question.length <= QUESTION_REMINDER_CHARS
      ? options.question
      : `${options.question.slice(0, QUESTION_REMINDER_CHARS)}…`;
  sections.push(
    `Replies left: ${options.iterationsLeft}. Continue working on the question: ${question}\nFinish with FINAL(answer) or FINAL_VAR(name) when you know the answer.`,
  );
  return sections.join("\n\n");
}

export function forcedFinalMessage(maxIterations: number): string {
  return `You have used all ${maxIterations} replies. Give your final answer now, based on what you have found: reply with FINAL(your answer), or FINAL_VAR(name) for a REPL variable. No more code will run.`;
}

function listVariables(names: readonly string[]): string {
  if (names.length === 0) return "(none)";
  const shown = names.slice(0, LISTED_VARIABLES).join(", ");
  return names.length > LISTED_VARIABLES ? `${shown}, … (${names.length - LISTED_VARIABLES} more)` : shown;
}
