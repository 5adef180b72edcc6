// The soak's relay in its own process (a file database, a fixed port), so the soak can kill and restart it.
// Config as JSON in argv[2]: { port, db }. Sends { type: "ready", url } over IPC; exits when the parent goes.
import { startRelay } from "@pylon/relay";

const spec = JSON.parse(process.argv[2] ?? "{}");
process.on("disconnect", () => process.exit(0));
const relay = await startRelay({ port: spec.port, host: "127.0.0.1", db: spec.db });
const stop = () => void relay.close().finally(() => process.exit(0));
process.on("SIGTERM", stop);
process.on("message", (message) => {
  if (message?.type === "stop") stop();
});
process.send?.({ type: "ready", url: relay.url });
