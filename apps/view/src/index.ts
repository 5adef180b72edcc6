/** @pylon/view: `pylon view`, a live web view of RLM runs, the market and a node. */

// The JSON API between the viewer's server and its web UI.
export type * from "./api.js";

// The viewer's server.
export { type RunningViewServer, startViewServer, type ViewServerOptions } from "./server/start.js";
