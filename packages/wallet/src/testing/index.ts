/**
 * @pylon/wallet/testing: the crash-test hooks. A child process started with PAUSE_ENV=<point> announces
 * PAUSE_MARKER on stderr at that point and stops there, for the test to SIGKILL it.
 */
export { type CrashPoint, PAUSE_ENV, PAUSE_MARKER } from "../crash-points.js";
