/**
 * @pylon/testkit: what every package's tests share. Test-only: never a runtime dependency, never built
 * (vitest reads the TypeScript directly). The whole local market lives at `@pylon/testkit/market`, the shared
 * vitest config at `@pylon/testkit/vitest`.
 */

// Undo everything a test started, in reverse order, without swallowing failures.
export { Cleanup } from "./cleanup.js";
// Loopback ports nothing listens on.
export { unusedPort } from "./net.js";
// Errors a promise must reject with.
export { rejection } from "./rejection.js";
// Temp folders removed at cleanup.
export { tempDir } from "./temp.js";
// Bounded polling.
export { nowSec, sleep, waitFor } from "./wait.js";
