/**
 * The one vitest config every package's `vitest.config.ts` calls. Plain JavaScript (with vitest.d.ts beside
 * it) because vitest's config loader hands this import to Node, which cannot load TypeScript on Node 20.
 * The machine has two cores shared by every suite, so heavy suites (llama.cpp, Pyodide, relays and mints)
 * run their files one after another.
 */
import { defineConfig } from "vitest/config";

/** @param {import("./vitest.d.ts").TestConfigOptions} [options] */
export function defineTestConfig(options = {}) {
  const timeout = options.timeoutMs ?? 30_000;
  return defineConfig({
    test: {
      include: ["test/**/*.test.ts"],
      testTimeout: timeout,
      hookTimeout: options.hookTimeoutMs ?? timeout,
      ...(options.serial ? { fileParallelism: false } : { maxWorkers: 2 }),
      ...(options.globalSetup ? { globalSetup: options.globalSetup } : {}),
      ...(options.pollTimeoutMs ? { expect: { poll: { timeout: options.pollTimeoutMs } } } : {}),
    },
    ...(options.bench ? { bench: { include: options.bench } } : {}),
  });
}
