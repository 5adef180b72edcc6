/**
 * Ctrl-C in a command that runs an RLM (`pylon run`, `bench`, `demo`): the first SIGINT/SIGTERM aborts the
 * work through its AbortSignal so it stops cleanly and says what it did; a second one exits at once.
 * (Daemons stop through shutdown.ts instead.)
 */
export function abortOnSignals(controller: AbortController): () => void {
  const handler = () => {
    if (controller.signal.aborted) process.exit(130);
    console.error("pylon: stopping (press Ctrl-C again to exit at once)");
    controller.abort();
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return () => {
    process.off("SIGINT", handler);
    process.off("SIGTERM", handler);
  };
}
