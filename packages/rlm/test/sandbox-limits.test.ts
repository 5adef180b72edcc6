import { rejection } from "@pylon/testkit";
import { beforeAll, describe, expect, it } from "vitest";
import { PythonSandbox } from "../src/sandbox/host.js";
import { SandboxStartError } from "../src/sandbox/launch.js";
import { processGone, useSandbox } from "./sandbox-harness.js";

const MB = 1024 * 1024;
const LOST = "the REPL was restarted and variables were lost";

describe("cell timeout and memory cap", () => {
  // Generous for a shared two-core machine: the memory bomb below must hit the cap, not the clock.
  const sandbox = useSandbox({ cellTimeoutMs: 4000, memoryLimitMb: 768 });
  beforeAll(() => sandbox.repl.setContext(["first chunk", "second chunk"]));

  it("lets a cell that finishes within the limit keep running", async () => {
    const result = await sandbox.repl.run("import time\ntime.sleep(0.3)\nkept = 'yes'");
    expect(result.error).toBeUndefined();
    expect(result.restarted).toBeUndefined();
  });

  it("kills a runaway cell, restarts the REPL with its context, and says variables were lost", async () => {
    const before = sandbox.repl.stats();
    const result = await sandbox.repl.run("while True:\n    pass");
    expect(result.error).toEqual({ type: "TimeoutError", message: `cell exceeded 4000 ms; ${LOST}` });
    expect(result.restarted).toBe(true);
    expect(result.variables).toEqual([]);
    const after = sandbox.repl.stats();
    expect(after.restarts).toBe(before.restarts + 1);
    expect(after.pid).not.toBe(before.pid);
    await processGone(before.pid!);

    const lost = await sandbox.repl.run("kept");
    expect(lost.error?.type).toBe("NameError");
    const context = await sandbox.repl.run("print(context)");
    expect(context.stdout).toBe("['first chunk', 'second chunk']\n");
  });

  it("turns a memory bomb into a MemoryError inside Python, keeping the REPL and its variables", async () => {
    await sandbox.repl.run("survivor = 'still here'");
    const result = await sandbox.repl.run("hog = []\nwhile True:\n    hog.append(bytearray(64 * 2**20))");
    expect(result.error?.type).toBe("MemoryError");
    expect(result.restarted).toBeUndefined();
    const after = await sandbox.repl.run("del hog\nprint(survivor)");
    expect(after.stdout).toBe("still here\n");
    expect(sandbox.repl.stats().peakRssBytes).toBeLessThan(768 * MB);
  });
});

describe("a memory limit below what the REPL needs", () => {
  it("refuses to start with a limit below what the REPL needs", async () => {
    const error = await rejection(PythonSandbox.start({ memoryLimitMb: 120 }), SandboxStartError);
    expect(error.message).toMatch(/memoryLimitMb is too small/);
  });
});
