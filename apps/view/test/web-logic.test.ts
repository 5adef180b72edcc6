/**
 * The web UI's pure parts, without a browser: the Python tokenizer behind code highlighting (lossless, and
 * colouring what it should) and the sub-calls table's filters and sort.
 */
import { describe, expect, it } from "vitest";
import type { SubcallRow } from "../src/api.js";
import { tokenize } from "../web/src/highlight.js";
import { initialQuery, isIdentity, selectRows } from "../web/src/subcall-view.js";

const kinds = (code: string) =>
  tokenize(code)
    .filter((t) => t.kind !== "plain")
    .map((t) => [t.kind, t.text]);

describe("the Python tokenizer", () => {
  it("gives back every character, in order", () => {
    const code = `# split\nparts = [context[i:i+5_000] for i in range(0, len(context), 5000)]\nr = llm_batch([f"Q: {p}" for p in parts])\nprint('done', 3.5e2, 0x1F)\nFINAL_VAR("r")\n"""open`;
    expect(
      tokenize(code)
        .map((t) => t.text)
        .join(""),
    ).toBe(code);
  });

  it("marks keywords, strings, comments, numbers, builtins and the REPL's functions", () => {
    expect(kinds(`for x in range(3):  # loop\n    y = rlm_query(f'{x}', "a\\"b") + 1.5`)).toEqual([
      ["keyword", "for"],
      ["keyword", "in"],
      ["builtin", "range"],
      ["number", "3"],
      ["comment", "# loop"],
      ["repl", "rlm_query"],
      ["string", "f'{x}'"],
      ["string", '"a\\"b"'],
      ["number", "1.5"],
    ]);
  });

  it("keeps names that only start like a keyword or a string prefix plain", () => {
    expect(kinds("format = iffy + buffer")).toEqual([["builtin", "format"]]);
    expect(kinds('text = """one\ntwo"""')).toEqual([["string", '"""one\ntwo"""']]);
  });
});

function row(index: number, over: Partial<SubcallRow> = {}): SubcallRow {
  return {
    index,
    runId: "root",
    iteration: 1,
    depth: 1,
    kind: "llm",
    ok: true,
    promptPreview: `prompt ${index}`,
    responsePreview: `reply ${index}`,
    promptChars: 8,
    responseChars: 7,
    provider: index % 2 ? "odd" : "even",
    model: "m",
    latencyMs: 100 - index,
    inputTokens: 10,
    outputTokens: index,
    costSats: index / 2,
    endedAtMs: index,
    ...over,
  };
}

describe("the sub-calls table's view", () => {
  const rows: Array<SubcallRow | undefined> = [
    row(0),
    row(1, { ok: false, error: "refused" }),
    undefined, // not loaded yet
    row(3, { runId: "child", iteration: 2 }),
    row(4),
  ];

  it("is the flat list itself with no filter and no sort", () => {
    expect(isIdentity(initialQuery)).toBe(true);
    expect(selectRows(rows, initialQuery)).toEqual([0, 1, 3, 4]);
  });

  it("filters by status, provider, RLM, iteration and words, over the loaded rows", () => {
    expect(selectRows(rows, { ...initialQuery, status: "failed" })).toEqual([1]);
    expect(selectRows(rows, { ...initialQuery, status: "ok", provider: "even" })).toEqual([0, 4]);
    expect(selectRows(rows, { ...initialQuery, runId: "child", iteration: 2 })).toEqual([3]);
    expect(selectRows(rows, { ...initialQuery, text: "REFUSED" })).toEqual([1]);
    expect(selectRows(rows, { ...initialQuery, text: "reply 4" })).toEqual([4]);
  });

  it("sorts by a column either way, ties in flat order", () => {
    expect(selectRows(rows, { ...initialQuery, sort: "latency" })).toEqual([4, 3, 1, 0]);
    expect(selectRows(rows, { ...initialQuery, sort: "cost", descending: true })).toEqual([4, 3, 1, 0]);
    expect(selectRows(rows, { ...initialQuery, sort: "status" })).toEqual([0, 3, 4, 1]);
  });
});
