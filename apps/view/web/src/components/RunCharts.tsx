/** The run's charts: sub-call latency histogram, sats and jobs per provider, sub-calls finished over time. */
import { useMemo } from "preact/hooks";
import uPlot from "uplot";
import type { ProviderTotals, SubcallRow } from "../../../src/api.js";
import { fmtInt, providerLabel } from "../format.js";
import { type RowStore, useRows } from "../rows.js";
import { axis, Chart, type ChartColours, fromZero } from "./Chart.js";

const bars = uPlot.paths.bars;

/** 30 bins from the fastest to the slowest sub-call (not from 0: a tight spread stays readable). */
function latencyHistogram(rows: SubcallRow[]): uPlot.AlignedData {
  if (rows.length === 0) return [[], []];
  let min = Number.POSITIVE_INFINITY;
  let max = 0;
  for (const row of rows) {
    min = Math.min(min, row.latencyMs);
    max = Math.max(max, row.latencyMs);
  }
  const bins = 30;
  const width = Math.max(1, (max - min) / bins);
  const counts = new Array<number>(bins + 1).fill(0);
  for (const row of rows) counts[Math.min(bins, Math.floor((row.latencyMs - min) / width))]! += 1;
  return [counts.map((_, i) => (min + i * width) / 1000), counts];
}

function overTime(rows: SubcallRow[]): uPlot.AlignedData {
  const ends = rows.map((row) => [row.endedAtMs, row.ok ? 0 : 1] as const).sort((a, b) => a[0] - b[0]);
  // At most ~1,000 points: the shape is what matters, and uPlot stays fast at any run size.
  const step = Math.max(1, Math.floor(ends.length / 1000));
  const x: number[] = [];
  const done: number[] = [];
  const failed: number[] = [];
  let failures = 0;
  ends.forEach(([at, bad], i) => {
    failures += bad;
    if (i % step === 0 || i === ends.length - 1) {
      x.push(at / 1000);
      done.push(i + 1);
      failed.push(failures);
    }
  });
  return [x, done, failed];
}

const histogramOptions = (width: number, c: ChartColours): uPlot.Options => ({
  width,
  height: 200,
  legend: { show: false },
  scales: { x: { time: false }, y: fromZero },
  axes: [axis(c, { label: "latency (s)" }), axis(c, { label: "sub-calls" })],
  series: [
    {},
    { label: "sub-calls", fill: c.series[0], stroke: c.series[0], paths: bars!({ size: [0.9, 40] }) },
  ],
});

const timeOptions = (width: number, c: ChartColours): uPlot.Options => ({
  width,
  height: 200,
  scales: { x: { time: false }, y: fromZero },
  axes: [axis(c, { label: "seconds since start" }), axis(c, { label: "finished" })],
  series: [
    { label: "s" },
    { label: "finished", stroke: c.series[0], width: 2 },
    { label: "failed", stroke: c.series[2], width: 2 },
  ],
});

function providerOptions(names: string[]) {
  return (width: number, c: ChartColours): uPlot.Options => ({
    width,
    height: 200,
    scales: {
      x: { time: false, range: [-0.5, Math.max(0.5, names.length - 0.5)] },
      y: fromZero,
      jobs: fromZero,
    },
    axes: [
      axis(c, {
        values: (_, ticks) => ticks.map((t) => (Number.isInteger(t) ? (names[t] ?? "") : "")),
        space: 20,
      }),
      axis(c, { label: "sats" }),
      axis(c, { scale: "jobs", side: 1, label: "jobs", grid: { show: false } }),
    ],
    series: [
      { label: "provider", value: (_, v) => (v === null ? "" : (names[v] ?? "")) },
      {
        label: "sats",
        fill: c.series[0],
        stroke: c.series[0],
        paths: bars!({ size: [0.35, 60], align: -1 }),
      },
      {
        label: "jobs",
        scale: "jobs",
        fill: c.series[1],
        stroke: c.series[1],
        paths: bars!({ size: [0.35, 60], align: 1 }),
      },
    ],
  });
}

export function RunCharts({ store, providers }: { store: RowStore; providers: ProviderTotals[] }) {
  const version = useRows(store);
  // Redrawn as rows load: every 20,000 rows while loading, then on every change (live rows).
  const key = store.complete ? `all-${version}` : `part-${Math.floor(store.loaded / 20_000)}`;
  const rows = useMemo(() => store.rows.filter((row): row is SubcallRow => row !== undefined), [key, store]);
  const histogram = useMemo(() => latencyHistogram(rows), [rows]);
  const timeline = useMemo(() => overTime(rows), [rows]);
  const names = useMemo(() => {
    const known = new Map(providers.map((p) => [p.provider, p]));
    // Axis labels are short: a name, else the end of the npub (its start is always "npub1").
    return providers.map((p) => {
      const label = p.name ?? p.npub ?? providerLabel(p.provider, known);
      return label.length > 10 ? `…${label.slice(-7)}` : label;
    });
  }, [providers]);
  const byProvider = useMemo(() => providerOptions(names), [names]);
  const providerData = useMemo<uPlot.AlignedData>(
    () => [providers.map((_, i) => i), providers.map((p) => p.sats), providers.map((p) => p.jobs)],
    [providers],
  );
  const failed = rows.filter((row) => !row.ok).length;
  return (
    <div class="charts">
      <Chart
        title="Sub-call latency"
        options={histogramOptions}
        data={histogram}
        summary={`${fmtInt(rows.length)} sub-calls`}
      />
      <Chart
        title="Sats and jobs per provider"
        options={byProvider}
        data={providerData}
        summary={providers.map((p, i) => `${names[i]}: ${p.sats} sats, ${p.jobs} jobs`).join("; ") || "none"}
      />
      <Chart
        title="Sub-calls over time"
        options={timeOptions}
        data={timeline}
        summary={`${fmtInt(rows.length)} finished, ${fmtInt(failed)} failed`}
      />
    </div>
  );
}
