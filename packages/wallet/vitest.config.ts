import { defineConfig } from "vitest/config";

// Real local mint over HTTP, real SQLite and real child processes (crash tests): generous but bounded
// timeouts, and files one after another so the two cores are not split between curve math in two suites.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    fileParallelism: false,
  },
});
