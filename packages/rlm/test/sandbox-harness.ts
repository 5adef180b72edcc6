/** Shared set-up for the REPL tests: one REPL per test file, and waiting for a killed child to be gone. */
import { Cleanup, waitFor } from "@pylon/testkit";
import { afterAll, beforeAll, expect } from "vitest";
import { PythonSandbox } from "../src/sandbox/host.js";
import type { SandboxOptions } from "../src/sandbox/types.js";

export interface SandboxFixture {
  /** The file's REPL, started in beforeAll. */
  readonly repl: PythonSandbox;
  /** Runs a cell that must not raise; returns its stdout. */
  output(code: string): Promise<string>;
}

/** Starts one REPL before the file's tests (Pyodide takes seconds) and closes it after them. */
export function useSandbox(options: SandboxOptions): SandboxFixture {
  const cleanup = new Cleanup();
  let started: PythonSandbox | undefined;
  beforeAll(async () => {
    started = cleanup.use(await PythonSandbox.start(options), (repl) => repl.close());
  });
  afterAll(() => cleanup.run());
  const fixture: SandboxFixture = {
    get repl() {
      if (!started) throw new Error("the REPL starts in beforeAll");
      return started;
    },
    async output(code) {
      const result = await fixture.repl.run(code);
      expect(result.error).toBeUndefined();
      return result.stdout;
    },
  };
  return fixture;
}

/** True while a process with this id exists. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Waits until the process is gone (a killed child is reaped asynchronously). */
export async function processGone(pid: number): Promise<void> {
  await waitFor(() => !isAlive(pid), `process ${pid} to exit`, 5000);
}
