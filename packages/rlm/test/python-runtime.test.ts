import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { PYTHON_RUNTIME } from "../src/sandbox/python-runtime.js";

describe("the inlined Python runtime", () => {
  it("matches src/sandbox/runtime.py (after editing it: npm run inline-python -w @pylon/rlm)", () => {
    const python = readFileSync(new URL("../src/sandbox/runtime.py", import.meta.url), "utf8");
    expect(PYTHON_RUNTIME === python, "python-runtime.ts is stale: npm run inline-python -w @pylon/rlm").toBe(
      true,
    );
  });
});
