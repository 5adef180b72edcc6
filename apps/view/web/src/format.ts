/** Number, time and text formatting shared by the pages. */
import type { ProviderTotals } from "../../src/api.js";

const integer = new Intl.NumberFormat("en-GB");
// Sats are summed at msat precision: up to three decimals, none when whole.
const satsFormat = new Intl.NumberFormat("en-GB", { maximumFractionDigits: 3 });

export const fmtInt = (n: number): string => integer.format(Math.round(n));

export function fmtSats(value: number): string {
  return `${satsFormat.format(value)} sat`;
}

export function fmtMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function fmtAgo(at: number, now = Date.now()): string {
  const s = Math.max(0, Math.round((now - at) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  return `${Math.floor(s / 3600)} h ago`;
}

export function fmtTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString("en-GB");
}

/** A short provider label: its name when known, else the start of its key. */
export function shortKey(key: string): string {
  return key.length > 20 ? `${key.slice(0, 12)}…${key.slice(-4)}` : key;
}

export function oneLine(text: string, max = 140): string {
  const flat = text.replace(/\s+/g, " ").trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** A provider as the tables show it: its name, else its npub, else its key, shortened. */
export function providerLabel(provider: string, known: Map<string, ProviderTotals>): string {
  const totals = known.get(provider);
  return totals?.name ?? shortKey(totals?.npub ?? provider);
}
