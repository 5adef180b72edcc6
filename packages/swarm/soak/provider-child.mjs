// One paid provider node of the soak, in its own process so the soak can SIGKILL it for real.
// Config comes as JSON in argv[2]; talks to the parent over IPC:
//   → { type: "ready", pubkey }      once announced
//   → { type: "generated" }          each time the backend starts a generation (unless reportGenerations: false)
//   ← { type: "report" }             → { type: "report", earnings, tabs, jobs } after redeeming what it holds
//   ← { type: "stop" }               graceful stop, then exit
// It exits on its own when the parent goes away, so a crashed soak leaves no node behind.
import { createScriptedBackend } from "@pylon/inference/scripted";
import { quietLogger, startProvider } from "@pylon/provider";

const spec = JSON.parse(process.argv[2] ?? "{}");
process.on("disconnect", () => process.exit(0));

const scripted = createScriptedBackend({
  responses: (r) => `answer to: ${r.messages?.at(-1)?.content ?? r.prompt ?? ""}`,
  model: spec.model,
  latencyMs: spec.latencyMs,
  slots: spec.slots,
  maxQueue: 100_000,
});
const node = await startProvider(
  {
    relays: [spec.relayUrl],
    model: { type: "scripted", echo: true },
    free: false,
    prices: spec.prices,
    allowedMints: [spec.mintUrl],
    dataDir: spec.dataDir,
    slots: spec.slots,
    queue: spec.queue,
    shutdownGraceSec: 0,
    name: spec.name,
  },
  {
    backend: {
      kind: scripted.kind,
      info: () => scripted.info(),
      generate: (request, options) => {
        if (spec.reportGenerations !== false) process.send?.({ type: "generated" });
        return scripted.generate(request, options);
      },
      close: () => scripted.close(),
    },
    log: quietLogger,
    allowPrivateRequestRelays: true,
  },
);

process.on("message", (message) => {
  if (message?.type === "report") {
    void (async () => {
      await node.payments?.redeemNow();
      const status = node.status();
      process.send?.({
        type: "report",
        earnings: status.earnings,
        tabs: node.payments?.tabTotals(),
        jobs: status.jobs,
      });
    })().catch((error) => process.send?.({ type: "report", error: String(error) }));
  } else if (message?.type === "stop") {
    void node.stop().finally(() => process.exit(0));
  }
});
process.send?.({ type: "ready", pubkey: node.pubkey });
