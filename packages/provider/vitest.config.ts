// By path: vitest's config bundler leaves package imports ("@pylon/testkit/vitest") to Node, and Node 20
// cannot load testkit's TypeScript.
import { defineTestConfig } from "../testkit/src/vitest.js";

// Real relays, SQLite and llama.cpp on the generated tiny model: generous timeouts, and files one after
// another so the two cores are not split between decoders.
export default defineTestConfig({ timeoutMs: 30_000, serial: true });
