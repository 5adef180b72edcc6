/**
 * Runs `stop` once on the first SIGINT/SIGTERM, then exits; a second signal exits at once,
 * so a stuck shutdown can always be interrupted.
 */
export function onShutdown(stop: (signal: NodeJS.Signals) => Promise<void>): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(130);
    stopping = true;
    stop(signal).then(
      () => process.exit(0),
      (err: unknown) => {
        console.error(`pylon: shutdown failed: ${err instanceof Error ? err.message : String(err)}`);
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
}

/** A local server's way out (`pylon relay`, `pylon mint`): say so, close it, print its last figures. */
export function closeOnShutdown(name: string, close: () => Promise<void>, figures: () => string): void {
  onShutdown(async (signal) => {
    console.error(`pylon ${name}: ${signal}, shutting down`);
    await close();
    console.error(`pylon ${name}: stopped; ${figures()}`);
  });
}
