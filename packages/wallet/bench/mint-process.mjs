// The local test mint in its own process, so the benchmark's CPU figures are the wallet's alone.
import { startMint } from "@pylon/mint";

const mint = await startMint({ port: 0, db: ":memory:" });
process.stdout.write(`${mint.url}\n`);
process.on("SIGTERM", () => void mint.close().then(() => process.exit(0)));
