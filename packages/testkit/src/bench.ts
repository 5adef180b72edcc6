/**
 * @pylon/testkit/bench: the one benchmark convention. Every benchmark is a `bench/*.ts` script run with tsx,
 * takes its sizes as flags (`--jobs 1000`), prints a table for people and, with `--json FILE`, writes its
 * figures for `npm run bench` (which renders docs/benchmarks.md from them).
 */
import { writeFileSync } from "node:fs";
import os from "node:os";
import { parseArgs } from "node:util";

type FlagValue = number | string | boolean;
type Widen<T> = T extends number ? number : T extends string ? string : boolean;

/**
 * Parses `--name value` flags against `defaults` (whose types say how each flag is read: numbers must be
 * finite and non-negative, booleans take no value) plus `--json FILE`. Unknown flags and positionals are an
 * error naming the flag.
 */
export function benchArgs<D extends Record<string, FlagValue>>(
  defaults: D,
  argv: string[] = process.argv.slice(2),
): { values: { [K in keyof D]: Widen<D[K]> }; json: string | undefined } {
  const options: Record<string, { type: "string" | "boolean" }> = { json: { type: "string" } };
  for (const [name, value] of Object.entries(defaults))
    options[name] = { type: typeof value === "boolean" ? "boolean" : "string" };
  const { values } = parseArgs({ args: argv, options, allowPositionals: false });
  const out: Record<string, FlagValue> = { ...defaults };
  for (const [name, fallback] of Object.entries(defaults)) {
    const given = values[name];
    if (given === undefined) continue;
    if (typeof fallback === "number") {
      const n = Number(given);
      if (!Number.isFinite(n) || n < 0)
        throw new Error(`--${name} needs a non-negative number, got ${String(given)}`);
      out[name] = n;
    } else out[name] = given;
  }
  return { values: out as { [K in keyof D]: Widen<D[K]> }, json: values.json as string | undefined };
}

/** The q-quantile (0..1) of `values`, nearest rank; NaN for none. */
export function percentile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number;
}

/** What the figures were measured on. */
export function machine(): { cpus: number; cpuModel: string; node: string; loadavg: number[] } {
  return {
    cpus: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model?.trim() ?? "unknown",
    node: process.version,
    loadavg: os.loadavg().map((l) => +l.toFixed(2)),
  };
}

/** Writes `report` as JSON to `file` (the `--json` flag); nothing when no file was asked for. */
export function writeBenchJson(file: string | undefined, report: unknown): void {
  if (!file) return;
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  console.error(`wrote ${file}`);
}

/** `n` with thousands separators and `digits` decimals, for tables. */
export const fixed = (n: number, digits = 1): string =>
  n.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
