import { defineTestConfig } from "@pylon/testkit/vitest";

// llama.cpp suites load a native binding and decode on the CPU: generous per-test timeouts, and files run
// one after another so the two cores are not split between decoders.
export default defineTestConfig({ timeoutMs: 30_000, serial: true });
