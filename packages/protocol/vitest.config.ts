import { defineTestConfig } from "@pylon/testkit/vitest";

// Pure functions only: one file at a time keeps the shared two cores free for heavier suites.
export default defineTestConfig({ serial: true });
