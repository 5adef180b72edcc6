/**
 * The scripted backend's notion of a token: 4 characters (the usual rule of thumb for English text with
 * BPE vocabularies). Usage figures from it are estimates, and are documented as such.
 */
export const CHARS_PER_SCRIPTED_TOKEN = 4;

export function estimateTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_SCRIPTED_TOKEN);
}

/** Splits text into the scripted backend's tokens, in order. */
export function splitIntoScriptedTokens(text: string): string[] {
  const tokens: string[] = [];
  for (let start = 0; start < text.length; start += CHARS_PER_SCRIPTED_TOKEN) {
    tokens.push(text.slice(start, start + CHARS_PER_SCRIPTED_TOKEN));
  }
  return tokens;
}
