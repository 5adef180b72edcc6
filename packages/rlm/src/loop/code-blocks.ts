/**
 * Splits a model reply into the code it wants run and the prose around it. Runnable blocks are fenced with
 * ```repl (our protocol) or ```python / ```py (what models trained on markdown write anyway). Other fences
 * (```text, ```json, bare ```) are shown to nobody and run by nobody, but they still count as code, so a
 * FINAL(...) inside any fence is never taken as the final answer.
 */

export interface CodeBlock {
  language: string;
  code: string;
}

export interface ParsedReply {
  /** Runnable blocks, in reply order. */
  blocks: CodeBlock[];
  /** The reply with every fenced block removed (where FINAL / FINAL_VAR are looked for). */
  prose: string;
  /** A runnable fence was opened but never closed (the reply was cut off); its code is not run. */
  unclosed: boolean;
}

const RUNNABLE = new Set(["repl", "python", "py"]);
const OPENING = /^ {0,3}(`{3,}|~{3,})[ \t]*([^\s`]*)[^`]*$/;

export function parseReply(reply: string): ParsedReply {
  const lines = reply.split(/\r?\n/);
  const blocks: CodeBlock[] = [];
  const prose: string[] = [];
  let unclosed = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const open = OPENING.exec(line);
    if (!open) {
      prose.push(line);
      continue;
    }
    const fence = open[1]!;
    const language = open[2]!.toLowerCase();
    const closing = new RegExp(`^ {0,3}${fence[0] === "`" ? "`" : "~"}{${fence.length},}[ \\t]*$`);
    const body: string[] = [];
    let closed = false;
    for (i++; i < lines.length; i++) {
      if (closing.test(lines[i]!)) {
        closed = true;
        break;
      }
      body.push(lines[i]!);
    }
    if (!RUNNABLE.has(language)) continue;
    if (closed) blocks.push({ language, code: body.join("\n") });
    else unclosed = true;
  }
  return { blocks, prose: prose.join("\n"), unclosed };
}
