// The soak's relay in its own process (a file database, a fixed port), so the soak can kill and restart it.
// Config as JSON in argv[2]: { port, db, kind? } (kind "foreign": testkit's @nostr-relay/core relay instead
// of Pylon's). Sends { type: "ready", url } over IPC; ← { type: "usage" } → { type: "usage", rss, cpuUs,
// peakSubscriptions? } (the foreign relay's most subscriptions one connection held at once); exits when the
// parent goes. Pylon's relay loads alone (not testkit's whole market), so a restart takes a moment, not seconds.
import { startRelay } from "@pylon/relay";

const spec = JSON.parse(process.argv[2] ?? "{}") as { port: number; db: string; kind?: "pylon" | "foreign" };
process.on("disconnect", () => process.exit(0));

async function start(): Promise<{ url: string; close(): Promise<void>; peakSubscriptions?: () => number }> {
  if (spec.kind === "foreign") {
    const [{ Cleanup }, { startForeignRelay }] = await Promise.all([
      import("@pylon/testkit"),
      import("@pylon/testkit/market"),
    ]);
    return startForeignRelay(new Cleanup(), { port: spec.port, db: spec.db });
  }
  // The relay's defaults otherwise: signatures checked on worker threads, as deployed.
  return startRelay({ port: spec.port, host: "127.0.0.1", db: spec.db });
}

const relay = await start();
const stop = () => void relay.close().finally(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("message", (message: { type?: string }) => {
  if (message?.type === "stop") stop();
  else if (message?.type === "usage") {
    const cpu = process.cpuUsage();
    process.send?.({
      type: "usage",
      rss: process.memoryUsage().rss,
      cpuUs: cpu.user + cpu.system,
      ...(relay.peakSubscriptions ? { peakSubscriptions: relay.peakSubscriptions() } : {}),
    });
  }
});
process.send?.({ type: "ready", url: relay.url });
