import { describe, expect, it } from "vitest";
import { useSandbox } from "./sandbox-harness.js";

const sandbox = useSandbox({ cellTimeoutMs: 20_000 });

async function finalOf(code: string) {
  const result = await sandbox.repl.run(code);
  return { final: result.final, error: result.error };
}

describe("FINAL", () => {
  it("records strings, multi-line text and other values converted with str()", async () => {
    expect((await finalOf("FINAL('forty two')")).final).toEqual({ content: "forty two", source: "FINAL" });
    expect((await finalOf("FINAL('''line one\nline two\n''')")).final?.content).toBe("line one\nline two\n");
    expect((await finalOf("FINAL((1, 'a'))")).final?.content).toBe("(1, 'a')");
    expect((await finalOf("FINAL(None)")).final?.content).toBe("None");
    expect((await finalOf("FINAL(3.5)")).final?.content).toBe("3.5");
    expect((await finalOf("FINAL(llm_query)")).final?.content).toMatch(/^<function llm_query/);
  });

  it("lets the cell finish, and the last call wins", async () => {
    const result = await sandbox.repl.run("FINAL('first')\nprint('after')\nFINAL('second')");
    expect(result.stdout).toBe("after\n");
    expect(result.final?.content).toBe("second");
  });

  it("is per cell: the next cell has no final unless it sets one", async () => {
    await sandbox.repl.run("FINAL('done')");
    expect((await finalOf("x = 1")).final).toBeUndefined();
  });

  it("is not triggered by the text FINAL(...) in strings, comments or uncalled functions", async () => {
    const result = await finalOf(
      "s = 'FINAL(42)'\n# FINAL(1)\nprint(\"FINAL('x')\")\ndef later():\n    FINAL('no')",
    );
    expect(result.final).toBeUndefined();
  });

  it("survives values whose str() raises", async () => {
    const code =
      "class Odd:\n    def __str__(self):\n        raise RuntimeError('no')\n    def __repr__(self):\n        return 'Odd()'\nFINAL(Odd())";
    expect((await finalOf(code)).final?.content).toBe("Odd()");
  });

  it("is recorded even when the cell raises afterwards", async () => {
    const result = await finalOf("FINAL('partial')\n1/0");
    expect(result.final?.content).toBe("partial");
    expect(result.error?.type).toBe("ZeroDivisionError");
  });
});

describe("FINAL_VAR", () => {
  it("reads a variable by name, quoted or not, or takes the value itself", async () => {
    await sandbox.repl.run("result = {'total': 3}\nlines = 'a\\nb'");
    expect((await finalOf("FINAL_VAR('result')")).final).toEqual({
      content: "{'total': 3}",
      source: "FINAL_VAR",
    });
    expect((await finalOf("FINAL_VAR(' \"lines\" ')")).final?.content).toBe("a\nb");
    expect((await finalOf("FINAL_VAR(result)")).final?.content).toBe("{'total': 3}");
    expect((await finalOf("FINAL_VAR(('t', None))")).final?.content).toBe("('t', None)");
  });

  it("raises NameError for an unknown name and records nothing", async () => {
    const result = await finalOf("FINAL_VAR('no_such_variable')");
    expect(result.final).toBeUndefined();
    expect(result.error?.type).toBe("NameError");
    expect(result.error?.message).toContain("no_such_variable");
  });
});

describe("the answer dict", () => {
  it("starts not ready", async () => {
    const result = await sandbox.repl.run("print(answer)");
    expect(result.stdout).toBe("{'content': '', 'ready': False}\n");
    expect(result.final).toBeUndefined();
  });

  it("becomes the final answer once ready is True", async () => {
    expect((await finalOf("answer['content'] = 'partial'")).final).toBeUndefined();
    expect((await finalOf("answer['ready'] = True")).final).toEqual({ content: "partial", source: "answer" });
    expect((await finalOf("answer = {'content': 'multi\\nline', 'ready': True}")).final?.content).toBe(
      "multi\nline",
    );
    expect((await finalOf("answer = {'content': (1, 2), 'ready': True}")).final?.content).toBe("(1, 2)");
    expect((await finalOf("answer = {'content': None, 'ready': True}")).final?.content).toBe("None");
  });

  it("is ignored unless it is a dict with ready exactly True and a content key", async () => {
    for (const code of [
      "answer = {'content': 'x', 'ready': False}",
      "answer = {'content': 'x', 'ready': 'yes'}",
      "answer = {'ready': True}",
      "answer = 'ready'",
      "answer = None",
      "class D(dict):\n    pass\nanswer = D(content='x', ready=True)",
    ]) {
      expect((await finalOf(code)).final, code).toBeUndefined();
    }
  });

  it("yields to FINAL in the same cell", async () => {
    const result = await finalOf("answer = {'content': 'from dict', 'ready': True}\nFINAL('from call')");
    expect(result.final).toEqual({ content: "from call", source: "FINAL" });
    await sandbox.repl.run("answer = {'content': '', 'ready': False}");
  });
});
