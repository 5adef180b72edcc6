/**
 * A tiny Python tokenizer for the code blocks an RLM writes: keywords, strings (prefixed, triple-quoted),
 * comments, numbers, the REPL's own functions. Not a parser; anything it does not know stays plain text, so
 * the worst a surprise can do is leave some code uncoloured.
 */

export type TokenKind = "keyword" | "string" | "comment" | "number" | "builtin" | "repl" | "plain";
export interface Token {
  kind: TokenKind;
  text: string;
}

const keywords = new Set(
  (
    "False None True and as assert async await break class continue def del elif else except finally for " +
    "from global if import in is lambda nonlocal not or pass raise return try while with yield match case"
  ).split(" "),
);
const builtins = new Set(
  (
    "print len range enumerate zip map filter sorted reversed sum min max abs any all int float str bool list " +
    "dict set tuple isinstance type repr open round divmod iter next hasattr getattr setattr format"
  ).split(" "),
);
// The REPL's functions (see docs/rlm.md): worth telling apart from Python's own.
const repl = new Set("llm_query llm_batch rlm_query rlm_batch FINAL FINAL_VAR SHOW_VARS context".split(" "));

const patterns: Array<[TokenKind | "name", RegExp]> = [
  ["comment", /#[^\n]*/y],
  [
    "string",
    /[rRbBuUfF]{0,2}("""[\s\S]*?(?:"""|$)|'''[\s\S]*?(?:'''|$)|"(?:\\.|[^"\\\n])*"?|'(?:\\.|[^'\\\n])*'?)/y,
  ],
  ["number", /(?:0[xXoObB][\da-fA-F_]+|\d[\d_]*\.?[\d_]*(?:[eE][+-]?\d+)?j?|\.\d[\d_]*(?:[eE][+-]?\d+)?)/y],
  ["name", /[A-Za-z_][A-Za-z0-9_]*/y],
  ["plain", /\s+|[^\sA-Za-z0-9_#"']+/y],
];

export function tokenize(code: string): Token[] {
  const out: Token[] = [];
  const push = (kind: TokenKind, text: string) => {
    const last = out[out.length - 1];
    if (last && last.kind === kind && kind === "plain") last.text += text;
    else out.push({ kind, text });
  };
  let at = 0;
  while (at < code.length) {
    let matched = false;
    for (const [kind, pattern] of patterns) {
      pattern.lastIndex = at;
      const match = pattern.exec(code);
      if (!match || match[0].length === 0) continue;
      const text = match[0];
      if (kind === "name") {
        push(
          keywords.has(text) ? "keyword" : repl.has(text) ? "repl" : builtins.has(text) ? "builtin" : "plain",
          text,
        );
      } else push(kind, text);
      at += text.length;
      matched = true;
      break;
    }
    if (!matched) push("plain", code[at++] ?? "");
  }
  return out;
}
