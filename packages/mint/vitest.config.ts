import { defineTestConfig } from "@pylon/testkit/vitest";

// Real HTTP and curve math; files two at a time (two cores shared with other work).
export default defineTestConfig({ timeoutMs: 20_000 });
