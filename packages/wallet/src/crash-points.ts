/**
 * Test hook for crash tests. With PYLON_WALLET_PAUSE_AT=<point> the process announces the point on stderr
 * and stops there for good, so a test can SIGKILL it at exactly that moment and check what a restart
 * recovers. Without the variable (always, outside tests) it costs one env lookup.
 */
export type CrashPoint =
  /** The write-ahead record (operation, inputs reserved, outputs) is committed; the mint was not called. */
  | "after-wal"
  /** The mint answered (proofs swapped / minted / melted); nothing of its answer is stored yet. */
  | "after-mint";

export const PAUSE_ENV = "PYLON_WALLET_PAUSE_AT";
export const PAUSE_MARKER = "PYLON_WALLET_PAUSED";

export async function crashPoint(point: CrashPoint): Promise<void> {
  if (process.env[PAUSE_ENV] !== point) return;
  process.stderr.write(`${PAUSE_MARKER} ${point}\n`);
  await new Promise<never>(() => setInterval(() => {}, 1 << 30));
}
