import { defineTestConfig } from "@pylon/testkit/vitest";

// The soak's fast subset starts a relay, a mint and provider processes: one file at a time.
export default defineTestConfig({ serial: true });
