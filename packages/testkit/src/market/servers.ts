import { type MintOptions, type RunningMint, startMint } from "@pylon/mint";
import { type RelayOptions, type RunningRelay, startRelay } from "@pylon/relay";
import type { Cleanup } from "../cleanup.js";

/** The local relay on 127.0.0.1 (free port, in-memory store, signatures checked inline), closed at cleanup. */
export async function startTestRelay(cleanup: Cleanup, options: RelayOptions = {}): Promise<RunningRelay> {
  const relay = await startRelay({
    port: 0,
    host: "127.0.0.1",
    db: ":memory:",
    verifyThreads: 0,
    ...options,
  });
  return cleanup.use(relay, (r) => r.close());
}

/** The local testnet mint on 127.0.0.1 (free port, in-memory), closed at cleanup. */
export async function startTestMint(
  cleanup: Cleanup,
  inputFeePpk = 0,
  options: Partial<MintOptions> = {},
): Promise<RunningMint> {
  const mint = await startMint({ port: 0, host: "127.0.0.1", db: ":memory:", inputFeePpk, ...options });
  return cleanup.use(mint, (m) => m.close());
}
