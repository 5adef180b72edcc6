/**
 * Task sizes are given in tokens and converted at 4 characters per token, the usual estimate for English
 * text with BPE tokenizers (the paper's sizes are in tokens of its models' tokenizers, so ours are close,
 * not identical).
 */
export const CHARS_PER_TOKEN = 4;

export const MIN_TASK_TOKENS = 1_000;
export const MAX_TASK_TOKENS = 50_000_000;

export function charsForTokens(tokens: number): number {
  if (!Number.isInteger(tokens) || tokens < MIN_TASK_TOKENS || tokens > MAX_TASK_TOKENS) {
    throw new RangeError(`task size must be an integer from ${MIN_TASK_TOKENS} to ${MAX_TASK_TOKENS} tokens`);
  }
  return tokens * CHARS_PER_TOKEN;
}
