import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PythonSandbox } from "../src/sandbox/host.js";
import { SandboxStartError } from "../src/sandbox/launch.js";
import { waitUntilGone } from "./helpers.js";

const MB = 1024 * 1024;
const LOST = "the REPL was restarted and variables were lost";

describe("cell timeout and memory cap", () => {
  let repl: PythonSandbox;

  beforeAll(async () => {
    // Generous for a shared two-core machine: the memory bomb below must hit the cap, not the clock.
    repl = await PythonSandbox.start({ cellTimeoutMs: 4000, memoryLimitMb: 768 });
    await repl.setContext(["first chunk", "second chunk"]);
  });

  afterAll(async () => {
    await repl?.close();
  });

  it("lets a cell that finishes within the limit keep running", async () => {
    const result = await repl.run("import time\ntime.sleep(0.3)\nkept = 'yes'");
    expect(result.error).toBeUndefined();
    expect(result.restarted).toBeUndefined();
  });

  it("kills a runaway cell, restarts the REPL with its context, and says variables were lost", async () => {
    const before = repl.stats();
    const result = await repl.run("while True:\n    pass");
    expect(result.error).toEqual({ type: "TimeoutError", message: `cell exceeded 4000 ms; ${LOST}` });
    expect(result.restarted).toBe(true);
    expect(result.variables).toEqual([]);
    const after = repl.stats();
    expect(after.restarts).toBe(before.restarts + 1);
    expect(after.pid).not.toBe(before.pid);
    expect(await waitUntilGone(before.pid!)).toBe(true);

    const lost = await repl.run("kept");
    expect(lost.error?.type).toBe("NameError");
    const context = await repl.run("print(context)");
    expect(context.stdout).toBe("['first chunk', 'second chunk']\n");
  });

  it("turns a memory bomb into a MemoryError inside Python, keeping the REPL and its variables", async () => {
    await repl.run("survivor = 'still here'");
    const result = await repl.run("hog = []\nwhile True:\n    hog.append(bytearray(64 * 2**20))");
    expect(result.error?.type).toBe("MemoryError");
    expect(result.restarted).toBeUndefined();
    const after = await repl.run("del hog\nprint(survivor)");
    expect(after.stdout).toBe("still here\n");
    expect(repl.stats().peakRssBytes).toBeLessThan(768 * MB);
  });
});

describe("a memory limit below what the REPL needs", () => {
  it("refuses to start with a limit below what the REPL needs", async () => {
    const start = PythonSandbox.start({ memoryLimitMb: 120 });
    await expect(start).rejects.toThrow(SandboxStartError);
    await expect(start).rejects.toThrow(/memoryLimitMb is too small/);
  });
});
