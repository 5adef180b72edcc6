/**
 * FINAL(...) and FINAL_VAR(...) written as text, outside code. Only a call at the start of a line counts, so
 * prose that mentions "I will call FINAL(x) later" or `FINAL(x)` in backticks is not an answer; the argument
 * runs to the matching parenthesis and may span lines.
 */

export type TextFinal = { kind: "FINAL"; content: string } | { kind: "FINAL_VAR"; name: string };

const START = /^[ \t]*(FINAL_VAR|FINAL)[ \t]*\(/gm;

/** The first FINAL / FINAL_VAR in `prose` (text with code blocks already removed), if any. */
export function findTextFinal(prose: string): TextFinal | undefined {
  START.lastIndex = 0;
  const match = START.exec(prose);
  if (!match) return undefined;
  const argument = readArgument(prose, match.index + match[0].length);
  if (match[1] === "FINAL_VAR") return { kind: "FINAL_VAR", name: unquote(argument.trim()).trim() };
  return { kind: "FINAL", content: argument.trim() };
}

/** Reads from just after "(" to the matching ")": a quoted literal, or text with balanced parentheses. */
function readArgument(text: string, start: number): string {
  const literal = readQuotedLiteral(text, start);
  if (literal !== undefined) return literal;
  let depth = 1;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (c === "(") depth++;
    else if (c === ")" && --depth === 0) return text.slice(start, i);
  }
  // Unbalanced: a stray "(" inside the answer when the text ends with ")", else a reply cut off by max_tokens.
  const rest = text.slice(start).trimEnd();
  return rest.endsWith(")") ? rest.slice(0, -1) : rest;
}

/** FINAL("…") / FINAL('''…'''): the string's value, when the argument is exactly one string literal. */
function readQuotedLiteral(text: string, start: number): string | undefined {
  let i = start;
  while (i < text.length && /\s/.test(text[i]!)) i++;
  const quote = text.startsWith('"""', i) ? '"""' : text.startsWith("'''", i) ? "'''" : text[i];
  if (quote !== '"' && quote !== "'" && quote !== '"""' && quote !== "'''") return undefined;
  const bodyStart = i + quote.length;
  let j = bodyStart;
  while (j < text.length) {
    if (text[j] === "\\") {
      j += 2;
      continue;
    }
    if (text.startsWith(quote, j)) break;
    if (quote.length === 1 && text[j] === "\n") return undefined;
    j++;
  }
  if (j >= text.length) return undefined;
  let k = j + quote.length;
  while (k < text.length && /\s/.test(text[k]!)) k++;
  if (text[k] !== ")") return undefined; // e.g. FINAL("a" + b): not a lone literal
  return unescapeLiteral(text.slice(bodyStart, j));
}

function unescapeLiteral(body: string): string {
  return body.replace(/\\(.)/gs, (_, c: string) => (c === "n" ? "\n" : c === "t" ? "\t" : c));
}

function unquote(name: string): string {
  const match = /^(["'])(.*)\1$/s.exec(name);
  return match ? match[2]! : name;
}
