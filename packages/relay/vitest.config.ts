import { defineTestConfig } from "@pylon/testkit/vitest";

// The machine has two cores shared with other work; two files at a time (the default) is plenty.
export default defineTestConfig({ timeoutMs: 20_000 });
