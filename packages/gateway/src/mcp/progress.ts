/**
 * Progress notifications while a long call runs, when the client asked for them (a `progressToken` in the
 * request's `_meta`): one every interval with the seconds elapsed, so the client can show that the RLM is
 * still at work and keep its request timeout from firing (the SDK client's `resetTimeoutOnProgress`).
 */
import type { RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js";
import type { ServerNotification, ServerRequest } from "@modelcontextprotocol/sdk/types.js";

const DEFAULT_INTERVAL_MS = 5_000;

/** Starts the heartbeat; returns its stop. Does nothing without a progress token. */
export function progressHeartbeat(
  extra: RequestHandlerExtra<ServerRequest, ServerNotification>,
  intervalMs = DEFAULT_INTERVAL_MS,
): () => void {
  const progressToken = extra._meta?.progressToken;
  if (progressToken === undefined) return () => {};
  const started = Date.now();
  const timer = setInterval(() => {
    const seconds = Math.round((Date.now() - started) / 1000);
    extra
      .sendNotification({
        method: "notifications/progress",
        params: { progressToken, progress: Date.now() - started, message: `RLM running, ${seconds} s` },
      })
      .catch(() => clearInterval(timer)); // the client went away: the request's signal aborts the run
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
