/**
 * A uPlot chart (canvas) sized to its container: created on mount and on a theme change (colours come from
 * CSS variables), fed new data with setData, destroyed on unmount.
 */
import { useEffect, useRef } from "preact/hooks";
import uPlot from "uplot";
import { cssVar, useTheme } from "../theme.js";

export interface ChartColours {
  text: string;
  grid: string;
  series: string[];
}

export interface ChartProps {
  title: string;
  /** Builds the options for a width and the theme's colours. */
  options: (width: number, colours: ChartColours) => uPlot.Options;
  data: uPlot.AlignedData;
  height?: number;
  /** A text equivalent for screen readers and for when there is no data. */
  summary: string;
}

function colours(): ChartColours {
  return {
    text: cssVar("--muted"),
    grid: cssVar("--grid"),
    series: [cssVar("--chart-1"), cssVar("--chart-2"), cssVar("--chart-3")],
  };
}

/** Axes in the theme's colours, for the options builders. */
export function axis(c: ChartColours, extra: Partial<uPlot.Axis> = {}): uPlot.Axis {
  return {
    stroke: c.text,
    grid: { stroke: c.grid, width: 1 },
    ticks: { stroke: c.grid, width: 1 },
    ...extra,
  };
}

/** A value scale from zero (counts, sats, tokens/s are never negative; bars must not float). */
export const fromZero: uPlot.Scale = { range: (_u, _min, max) => [0, max > 0 ? max * 1.08 : 1] };

export function Chart({ title, options, data, height = 200, summary }: ChartProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const theme = useTheme();
  const latest = useRef(data);
  latest.current = data;

  useEffect(() => {
    const element = box.current;
    if (!element) return;
    const width = Math.max(200, element.clientWidth);
    const made = new uPlot({ ...options(width, colours()), height }, latest.current, element);
    plot.current = made;
    const observer = new ResizeObserver(() => {
      const w = Math.max(200, element.clientWidth);
      if (Math.abs(w - made.width) > 2) made.setSize({ width: w, height });
    });
    observer.observe(element);
    return () => {
      observer.disconnect();
      made.destroy();
      plot.current = null;
    };
    // Re-created on a theme change only; data flows through setData below.
  }, [theme, height, options]);

  useEffect(() => {
    plot.current?.setData(data);
  }, [data]);

  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      <div ref={box} role="img" aria-label={`${title}: ${summary}`} />
    </figure>
  );
}
