/**
 * A token count for text no model has tokenised: 4 characters a token, the usual rule of thumb for English
 * text with BPE vocabularies. Providers quote a job's price with it before the model sees the prompt, the
 * OpenAI backend uses it when the upstream reports no usage, and the scripted backend's tokens are exactly
 * this long. Figures from it are estimates, and are documented as such.
 */
export const CHARS_PER_ESTIMATED_TOKEN = 4;

export function estimateTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_ESTIMATED_TOKEN);
}
