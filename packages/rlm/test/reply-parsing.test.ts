import { describe, expect, it } from "vitest";
import { parseReply } from "../src/loop/code-blocks.js";
import { findTextFinal } from "../src/loop/final-text.js";

describe("parseReply", () => {
  it("runs ```repl and ```python blocks in order and keeps the prose around them", () => {
    const reply = "First.\n```repl\nx = 1\n```\nThen:\n```python\nprint(x)\n```\nDone.";
    const parsed = parseReply(reply);
    expect(parsed.blocks).toEqual([
      { language: "repl", code: "x = 1" },
      { language: "python", code: "print(x)" },
    ]);
    expect(parsed.prose).toBe("First.\nThen:\nDone.");
    expect(parsed.unclosed).toBe(false);
  });

  it("does not run other fences, but removes them from the prose", () => {
    const parsed = parseReply("```text\nFINAL(1)\n```\n```\nFINAL(2)\n```\n```json\n{}\n```\nafter");
    expect(parsed.blocks).toEqual([]);
    expect(parsed.prose).toBe("after");
  });

  it("keeps longer fences intact around inner ``` lines, and accepts ~~~ and CRLF", () => {
    const parsed = parseReply("````repl\ns = '''\n```\n'''\n````\r\n~~~py\ny = 2\n~~~");
    expect(parsed.blocks.map((b) => b.code)).toEqual(["s = '''\n```\n'''", "y = 2"]);
  });

  it("does not run a block that was never closed, and says so", () => {
    const parsed = parseReply("```repl\nprint('cut off");
    expect(parsed.blocks).toEqual([]);
    expect(parsed.unclosed).toBe(true);
  });
});

describe("findTextFinal", () => {
  const final = (text: string) => findTextFinal(parseReply(text).prose);

  it("reads FINAL at the start of a line, with balanced parentheses", () => {
    expect(final("Done.\nFINAL(42)")).toEqual({ kind: "FINAL", content: "42" });
    expect(final("  FINAL((1, 'a'))")).toEqual({ kind: "FINAL", content: "(1, 'a')" });
    expect(final("FINAL(None)")).toEqual({ kind: "FINAL", content: "None" });
    expect(final("FINAL(f(x) and (g(y)))\ntrailing (words)")).toEqual({
      kind: "FINAL",
      content: "f(x) and (g(y))",
    });
  });

  it("reads multi-line answers", () => {
    expect(final("FINAL(line one\nline two (with a note)\nline three)\n")).toEqual({
      kind: "FINAL",
      content: "line one\nline two (with a note)\nline three",
    });
  });

  it("takes the value of a lone string literal, and keeps an expression as written", () => {
    expect(final('FINAL("Paris")')).toEqual({ kind: "FINAL", content: "Paris" });
    expect(final("FINAL('''a ) b\nc''')")).toEqual({ kind: "FINAL", content: "a ) b\nc" });
    expect(final('FINAL("it\\"s")')).toEqual({ kind: "FINAL", content: 'it"s' });
    expect(final('FINAL("a" + b)')).toEqual({ kind: "FINAL", content: '"a" + b' });
  });

  it("reads FINAL_VAR names with or without quotes", () => {
    expect(final("FINAL_VAR(result)")).toEqual({ kind: "FINAL_VAR", name: "result" });
    expect(final("FINAL_VAR( 'counts' )")).toEqual({ kind: "FINAL_VAR", name: "counts" });
  });

  it("ignores FINAL inside code fences, in inline code and mid-sentence", () => {
    expect(final("```repl\nFINAL(1)\n```")).toBeUndefined();
    expect(final("```repl\ns = 'FINAL(1)'\n```")).toBeUndefined();
    expect(final("I will call `FINAL(x)` when I know x.")).toBeUndefined();
    expect(final("Then we can FINAL(x) it.")).toBeUndefined();
    expect(final("FINAL answer: none yet")).toBeUndefined();
  });

  it("takes the first one, and survives a reply cut off inside the parentheses", () => {
    expect(final("FINAL(a)\nFINAL(b)")).toEqual({ kind: "FINAL", content: "a" });
    expect(final("FINAL(the answer is (probably) 7")).toEqual({
      kind: "FINAL",
      content: "the answer is (probably) 7",
    });
    expect(final("FINAL(sad :( but done)\n")).toEqual({ kind: "FINAL", content: "sad :( but done" });
    expect(final("FINAL(unterminated answer")).toEqual({ kind: "FINAL", content: "unterminated answer" });
  });
});
