/** A provider node: its jobs, throughput over time (uPlot), earnings and the buyers' open tabs. */
import { useMemo } from "preact/hooks";
import type uPlot from "uplot";
import { api } from "../client.js";
import { axis, Chart, type ChartColours, fromZero } from "../components/Chart.js";
import { fmtInt, fmtSats, shortKey } from "../format.js";
import { usePoll } from "../poll.js";

const load = (signal: AbortSignal) => api.node(signal);

const throughputOptions = (width: number, c: ChartColours): uPlot.Options => ({
  width,
  height: 220,
  // One sample has no width of its own: show the minute around it.
  scales: { x: { range: (_u, min, max) => (min === max ? [min - 60, max + 60] : [min, max]) }, y: fromZero },
  axes: [axis(c), axis(c, { label: "tokens/s" })],
  series: [
    {},
    { label: "tokens/s", stroke: c.series[0], width: 2, fill: `${c.series[0]}33`, points: { size: 5 } },
  ],
});

export function NodePage() {
  const { data, error, status } = usePoll(load, 2000);
  const series = useMemo<uPlot.AlignedData>(
    () => [
      (data?.tokensPerSecond ?? []).map((s) => s.at / 1000),
      (data?.tokensPerSecond ?? []).map((s) => s.value),
    ],
    [data],
  );
  if (status === 404)
    return <p class="notice">This viewer shows no node: start it with `pylon view --node DATA_DIR`.</p>;
  if (error && !data) return <p class="notice bad">{error}</p>;
  if (!data) return <p class="notice">Loading the node…</p>;
  const stat = (label: string, value: string) => (
    <div class="stat">
      <span class="label">{label}</span>
      <span class="value">{value}</span>
    </div>
  );
  return (
    <section aria-labelledby="node-title">
      <div class="page-head">
        <h1 id="node-title">Node {data.name}</h1>
        <span class="muted mono" title={data.pubkey}>
          {shortKey(data.pubkey)} · {data.model}
        </span>
      </div>
      {error && <p class="notice bad">{error}</p>}
      <div class="stats">
        {stat("Running", fmtInt(data.jobs.running))}
        {stat("Queued", fmtInt(data.jobs.queued))}
        {stat("Done", fmtInt(data.jobs.done))}
        {stat("Failed", fmtInt(data.jobs.failed))}
        {stat("Earned", fmtSats(data.earnings.sats))}
        {stat("Paid jobs", fmtInt(data.earnings.jobs))}
      </div>
      <section class="card">
        <Chart
          title="Output tokens per second"
          options={throughputOptions}
          data={series}
          height={220}
          summary={`${data.tokensPerSecond.length} samples, latest ${data.tokensPerSecond.at(-1)?.value.toFixed(1) ?? "none"}`}
        />
      </section>
      <section class="card" aria-labelledby="tabs-title">
        <h2 id="tabs-title">Tabs</h2>
        {data.tabs.length === 0 ? (
          <p class="muted">No buyer has an open tab.</p>
        ) : (
          <table class="grid">
            <thead>
              <tr>
                <th scope="col">Buyer</th>
                <th scope="col" class="num">
                  Balance
                </th>
                <th scope="col" class="num">
                  Charged
                </th>
                <th scope="col">Opened</th>
              </tr>
            </thead>
            <tbody>
              {data.tabs.map((tab) => (
                <tr key={tab.buyer}>
                  <td class="mono" title={tab.buyer}>
                    {shortKey(tab.buyer)}
                  </td>
                  <td class="num">{fmtSats(tab.balanceSats)}</td>
                  <td class="num">{fmtSats(tab.chargedSats)}</td>
                  <td>{new Date(tab.openedAt).toLocaleString("en-GB")}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </section>
  );
}
