import { describe, expect, it } from "vitest";
import { useSandbox } from "./sandbox-harness.js";

const sandbox = useSandbox({ cellTimeoutMs: 20_000 });
const { output } = sandbox;

describe("setContext", () => {
  it("makes a string the Python str `context`, non-ASCII text intact", async () => {
    const text = "héllo wörld 🌍 中文\nsecond line";
    const info = await sandbox.repl.setContext(text);
    expect(info).toMatchObject({ type: "str", length: [...text].length, bytes: Buffer.byteLength(text) });
    expect(await output("print(type(context).__name__, repr(context))")).toBe(
      `str ${"'héllo wörld 🌍 中文\\nsecond line'"}\n`,
    );
  });

  it("makes a list of strings a Python list", async () => {
    const info = await sandbox.repl.setContext(["alpha", "beta", "γ"]);
    expect(info).toMatchObject({ type: "list", length: 3 });
    expect(await output("print(type(context).__name__, context[2], len(context))")).toBe("list γ 3\n");
  });

  it("makes an object a Python dict with JSON types", async () => {
    const info = await sandbox.repl.setContext({
      title: "doc",
      pages: [1, 2],
      meta: { draft: false, owner: null },
    });
    expect(info).toMatchObject({ type: "dict", length: 3 });
    expect(await output("print(context['pages'], context['meta'])")).toBe(
      "[1, 2] {'draft': False, 'owner': None}\n",
    );
  });

  it("comes back after a cell rebinds or deletes it", async () => {
    await sandbox.repl.setContext("the original");
    await sandbox.repl.run("context = 'overwritten'");
    expect(await output("print(context)")).toBe("the original\n");
    await sandbox.repl.run("del context");
    expect(await output("print(context)")).toBe("the original\n");
  });

  it("rejects values Python cannot receive and leaves the current context alone", async () => {
    await sandbox.repl.setContext("kept");
    await expect(sandbox.repl.setContext([1, 2] as unknown as string[])).rejects.toThrow(TypeError);
    await expect(sandbox.repl.setContext(undefined as unknown as string)).rejects.toThrow(TypeError);
    expect(await output("print(context)")).toBe("kept\n");
  });

  it("loads a 10M-token (40 MB) context quickly and lets a cell scan it", async () => {
    const filler = "The quick brown fox jumps over the lazy dog by the river bank. ";
    const needle = "One of the special magic numbers for blue-otter is: 7203417. ";
    const parts: string[] = [];
    let size = 0;
    for (let i = 0; size < 40_000_000; i++) {
      const piece = i === 400_000 ? needle : filler;
      parts.push(piece);
      size += piece.length;
    }
    const text = parts.join("");
    const started = performance.now();
    const info = await sandbox.repl.setContext(text);
    const loadMs = performance.now() - started;
    expect(info).toMatchObject({ type: "str", length: text.length });
    expect(loadMs).toBeLessThan(5000);
    const scan = await sandbox.repl.run(
      "import re\nm = re.search(r'magic numbers for blue-otter is: (\\d+)', context)\nprint(len(context), m.group(1), context.count('fox'))",
    );
    expect(scan.error).toBeUndefined();
    expect(scan.stdout).toBe(`${text.length} 7203417 ${parts.length - 1}\n`);
  });
});
