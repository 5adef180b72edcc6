import { defineTestConfig } from "@pylon/testkit/vitest";

// Real relays, SQLite and llama.cpp on the generated tiny model: generous timeouts, and files one after
// another so the two cores are not split between decoders.
export default defineTestConfig({ timeoutMs: 30_000, serial: true });
