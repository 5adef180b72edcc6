import { defineTestConfig } from "@pylon/testkit/vitest";

// Two cores shared with other work: run files one after another.
export default defineTestConfig({ timeoutMs: 15_000, serial: true });
