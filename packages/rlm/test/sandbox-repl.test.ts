import { describe, expect, it } from "vitest";
import { PythonSandbox } from "../src/sandbox/host.js";
import { useSandbox } from "./sandbox-harness.js";

const sandbox = useSandbox({ cellTimeoutMs: 20_000, maxOutputChars: 2000 });

describe("a cell", () => {
  it("prints, and keeps variables and functions across cells", async () => {
    const first = await sandbox.repl.run("x = 40\ndef twice(n):\n    return 2 * n\nprint('x is', x)");
    expect(first.stdout).toBe("x is 40\n");
    expect(first.error).toBeUndefined();
    const second = await sandbox.repl.run("y = twice(x) + 2\nprint(y)");
    expect(second.stdout).toBe("82\n");
    expect(second.variables).toEqual(expect.arrayContaining(["x", "y", "twice"]));
    expect(second.durationMs).toBeGreaterThan(0);
  });

  it("shows the value of a trailing expression, like an interactive prompt", async () => {
    expect((await sandbox.repl.run("x + 2")).stdout).toBe("42\n");
    expect((await sandbox.repl.run("'a' * 3")).stdout).toBe("'aaa'\n");
    expect((await sandbox.repl.run("None")).stdout).toBe("");
    expect((await sandbox.repl.run("x = 5")).stdout).toBe("");
  });

  it("reports exceptions as type and message, with a traceback of cell frames only", async () => {
    const result = await sandbox.repl.run("def boom():\n    raise ValueError('bad value')\nboom()");
    expect(result.error).toMatchObject({ type: "ValueError", message: "bad value" });
    expect(result.error?.traceback).toContain("line 2, in boom");
    expect(result.error?.traceback).not.toContain("pylon-runtime");
    const syntax = await sandbox.repl.run("def (:");
    expect(syntax.error?.type).toBe("SyntaxError");
    expect(syntax.error?.message).toContain("line 1");
    const missing = await sandbox.repl.run("undefined_name");
    expect(missing.error).toMatchObject({
      type: "NameError",
      message: "name 'undefined_name' is not defined",
    });
  });

  it("keeps output printed before an exception", async () => {
    const result = await sandbox.repl.run(
      "import sys\nprint('before')\nprint('warn', file=sys.stderr)\n[][1]",
    );
    expect(result.stdout).toBe("before\n");
    expect(result.stderr).toBe("warn\n");
    expect(result.error?.type).toBe("IndexError");
  });

  it("supports top-level await with asyncio", async () => {
    const result = await sandbox.repl.run(
      "import asyncio\nasync def later(v):\n    await asyncio.sleep(0.01)\n    return v\n" +
        "vals = await asyncio.gather(later(1), later(2))\nprint(vals)",
    );
    expect(result.error).toBeUndefined();
    expect(result.stdout).toBe("[1, 2]\n");
  });

  it("fails at once, not at the timeout, when a cell awaits what nothing will complete", async () => {
    const started = performance.now();
    const result = await sandbox.repl.run("import asyncio\nawait asyncio.get_running_loop().create_future()");
    expect(result.error?.type).toBe("RuntimeError");
    expect(result.error?.message).toContain("can never complete");
    expect(result.restarted).toBeUndefined();
    expect(performance.now() - started).toBeLessThan(5000);
    const later = await sandbox.repl.run("import asyncio\nawait asyncio.sleep(0.01)\nprint('next cell')");
    expect(later.stdout).toBe("next cell\n");
  });

  it("shows the cell's own frames in a traceback from awaited code, not the event loop's", async () => {
    const result = await sandbox.repl.run(
      "import asyncio\nasync def boom():\n    await asyncio.sleep(0)\n    raise ValueError('x')\nawait boom()",
    );
    expect(result.error?.type).toBe("ValueError");
    expect(result.error?.traceback).toMatch(/^Traceback[^\n]*\n {2}File "<cell \d+>"/);
    expect(result.error?.traceback).not.toMatch(/asyncio|pylon-runtime/);
  });

  it("bounds output, keeping head and tail with an elision count", async () => {
    const result = await sandbox.repl.run("for i in range(5000):\n    print(f'line {i}')");
    expect(result.stdout.length).toBeLessThan(2200);
    expect(result.stdout.startsWith("line 0\n")).toBe(true);
    expect(result.stdout.endsWith("line 4999\n")).toBe(true);
    expect(result.stdout).toMatch(/\[\d+ characters elided\]/);
  });

  it("reports SystemExit instead of exiting", async () => {
    const result = await sandbox.repl.run("import sys\nsys.exit(3)");
    expect(result.error).toMatchObject({ type: "SystemExit", message: "3" });
    expect((await sandbox.repl.run("1 + 1")).stdout).toBe("2\n");
  });

  it("runs concurrent calls one at a time, in order", async () => {
    const results = await Promise.all([
      sandbox.repl.run("order = []\norder.append(1)"),
      sandbox.repl.run("order.append(2)"),
      sandbox.repl.run("order"),
    ]);
    expect(results[2]?.stdout).toBe("[1, 2]\n");
  });
});

describe("the namespace", () => {
  it("lists user names only: no reserved names, dunders or modules", async () => {
    const result = await sandbox.repl.run(
      "import json, math\n__secret__ = 1\n_private = 2\nfrom math import pi",
    );
    expect(result.variables).toEqual(expect.arrayContaining(["_private", "pi", "answer"]));
    for (const name of ["json", "math", "__secret__", "__builtins__", "context", "llm_query", "FINAL"]) {
      expect(result.variables).not.toContain(name);
    }
  });

  it("restores reserved names after a cell rebinds or deletes them", async () => {
    const broken = await sandbox.repl.run(
      "llm_query = None\nllm_batch = 1\nFINAL = 'x'\ndel FINAL_VAR\ncontext = 'mine'\nrlm_query = rlm_batch = print",
    );
    expect(broken.error).toBeUndefined();
    const check = await sandbox.repl.run(
      "print(callable(llm_query), callable(llm_batch), callable(FINAL), callable(FINAL_VAR), context is None)\n" +
        "print(llm_query.__name__, rlm_query.__name__, rlm_batch.__name__)",
    );
    expect(check.stdout).toBe("True True True True True\nllm_query rlm_query rlm_batch\n");
  });

  it("restores builtins that a cell replaced or deleted", async () => {
    await sandbox.repl.run("import builtins\nbuiltins.len = lambda v: -1\ndel builtins.print");
    const result = await sandbox.repl.run("print(len('abc'))");
    expect(result.stdout).toBe("3\n");
    expect(result.error).toBeUndefined();
  });
});

describe("bad input", () => {
  it("rejects non-string code without touching the REPL", async () => {
    await expect(sandbox.repl.run(42 as unknown as string)).rejects.toThrow(TypeError);
    expect((await sandbox.repl.run("'still here'")).stdout).toBe("'still here'\n");
  });

  it("rejects invalid options with a clear error", async () => {
    await expect(PythonSandbox.start({ cellTimeoutMs: -1 })).rejects.toThrow(/cellTimeoutMs/);
    await expect(PythonSandbox.start({ memoryLimitMb: Number.NaN })).rejects.toThrow(/memoryLimitMb/);
    await expect(PythonSandbox.start({ networkIsolation: "maybe" as unknown as "auto" })).rejects.toThrow(
      /networkIsolation/,
    );
    await expect(PythonSandbox.start({ onSubcall: "no" as never })).rejects.toThrow(/onSubcall/);
  });
});
