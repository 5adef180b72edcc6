// The soak's testnet mint in its own process, so the buyer's RSS and event loop are the buyer's alone.
// Config as JSON in argv[2]: { inputFeePpk }. IPC: → { type: "ready", url }; ← { type: "stats" } →
// { type: "stats", stats }; ← { type: "usage" } → { type: "usage", rss, cpuUs }; ← { type: "stop" }. Exits when the parent goes. It loads the mint alone.
import { startMint } from "@pylon/mint";

const spec = JSON.parse(process.argv[2] ?? "{}") as { inputFeePpk?: number };
process.on("disconnect", () => process.exit(0));
const mint = await startMint({
  port: 0,
  host: "127.0.0.1",
  db: ":memory:",
  inputFeePpk: spec.inputFeePpk ?? 0,
});
process.on("message", (message: { type?: string }) => {
  if (message?.type === "stats") process.send?.({ type: "stats", stats: mint.stats() });
  else if (message?.type === "usage") {
    const cpu = process.cpuUsage();
    process.send?.({ type: "usage", rss: process.memoryUsage().rss, cpuUs: cpu.user + cpu.system });
  } else if (message?.type === "stop") void mint.close().finally(() => process.exit(0));
});
process.send?.({ type: "ready", url: mint.url });
