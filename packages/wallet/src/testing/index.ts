/**
 * @pylon/wallet/testing: the crash-test hooks. A child process started with PAUSE_ENV=<point> announces
 * PAUSE_MARKER on stderr at that point and stops there, for the test to SIGKILL it.
 */

// The variable that names the pause point, the line announced there, and the points there are.
export { type CrashPoint, PAUSE_ENV, PAUSE_MARKER } from "../crash-points.js";
