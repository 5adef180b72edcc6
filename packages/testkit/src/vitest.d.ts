import type { ViteUserConfig } from "vitest/config";

export interface TestConfigOptions {
  /** Per test and per hook, ms. Default 30,000 (real sockets, SQLite, curve math on a loaded machine). */
  timeoutMs?: number;
  /** Hooks may need longer than tests (a Pyodide REPL starting). Default: `timeoutMs`. */
  hookTimeoutMs?: number;
  /** Run files one after another (suites that keep a core busy). Default false: at most two at a time. */
  serial?: boolean;
  /** Files run before any test file (e.g. a build the tests start as a child process). */
  globalSetup?: string[];
  /**
   * How long `expect.poll` waits by default, ms (vitest: 1,000). Browser suites wait for pages that load in the
   * background on a loaded machine; a poll that states its own timeout keeps it.
   */
  pollTimeoutMs?: number;
  /** Benchmarks run by `vitest bench`. */
  bench?: string[];
}

export function defineTestConfig(options?: TestConfigOptions): ViteUserConfig;
