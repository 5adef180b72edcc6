import { Command } from "commander";
import { type DemoReport, runMarketDemo } from "../demo/market-demo.js";
import { parsePositiveInt } from "../options.js";

export function demoCommand(): Command {
  return new Command("demo")
    .description("run the offline market demo: local relay, tiny model, providers, and a buyer sending jobs")
    .option("--providers <n>", "provider nodes to start", parsePositiveInt, 2)
    .option("--jobs <n>", "jobs the buyer sends (half of them NIP-44 encrypted)", parsePositiveInt, 8)
    .option("--max-tokens <n>", "tokens each job generates at most", parsePositiveInt, 48)
    .option("--json", "print the report as JSON")
    .addHelpText(
      "after",
      "\nEverything runs on 127.0.0.1 in a temp folder and stops when the demo ends. The providers serve a\n" +
        "generated tiny GGUF with random weights, so their text is noise: the demo shows the market path.\n" +
        "Payments and RLM runs over the market join the demo as those parts land.",
    )
    .action(async (opts: { providers: number; jobs: number; maxTokens: number; json?: boolean }) => {
      const report = await runMarketDemo({ ...opts, say: (line) => console.error(line) });
      if (opts.json) console.log(JSON.stringify(report, null, 2));
      else console.log(renderReport(report));
      if (report.answered !== report.jobs.length) process.exitCode = 1;
    });
}

function renderReport(report: DemoReport): string {
  const providerNo = (pubkey: string) => `#${report.providers.findIndex((p) => p.pubkey === pubkey) + 1}`;
  const preview = (text = "") => JSON.stringify(text.replace(/\s+/g, " ").slice(0, 40));
  const lines = [
    "",
    "job  provider   encrypted  ms     output",
    ...report.jobs.map(
      (j) =>
        `${String(j.index + 1).padEnd(4)} ${providerNo(j.provider).padEnd(10)} ${(j.encrypted ? "nip44" : "no").padEnd(10)} ` +
        `${String(j.latencyMs).padEnd(6)} ${j.ok ? preview(j.output) : `FAILED ${j.error}`}`,
    ),
    "",
    `answered ${report.answered}/${report.jobs.length} jobs in ${report.wallMs} ms across ${report.discovered} providers`,
    ...report.providers.map(
      (p, i) =>
        `provider ${i + 1}: ${p.jobsServed} jobs served, ${p.tokensGenerated} tokens generated (${p.npub})`,
    ),
    `relay: ${report.relayMetrics.events.stored} events stored, ` +
      `${Object.values(report.relayMetrics.events.refused).reduce((a, b) => a + b, 0)} refused`,
  ];
  return lines.join("\n");
}
