/** The run's stat cards, and while it runs a progress bar and its sats spent against the budget. */
import type { RunDetail } from "../../../src/api.js";
import { fmtInt, fmtMs, fmtSats } from "../format.js";

function Card({ label, value, sub }: { label: string; value: string; sub?: string }) {
  return (
    <div class="stat">
      <span class="label">{label}</span>
      <span class="value">{value}</span>
      {sub && <span class="sub">{sub}</span>}
    </div>
  );
}

/** Live totals lag the rows and iterations a little (the server sends them twice a second): take the larger. */
function seen(detail: RunDetail, rows: number) {
  return {
    iterations: Math.max(detail.totals.iterations, detail.iterations.length),
    subcalls: Math.max(detail.totals.subcalls, rows),
  };
}

export function Stats({ detail, rows }: { detail: RunDetail; rows: number }) {
  const t = { ...detail.totals, ...seen(detail, rows) };
  return (
    <section class="stats" aria-label="Totals">
      <Card label="Iterations" value={fmtInt(t.iterations)} />
      <Card
        label="Sub-calls"
        value={fmtInt(t.subcalls)}
        sub={`${fmtInt(t.subcallsAnswered)} answered · ${fmtInt(t.subcallsFailed)} failed`}
      />
      <Card
        label="Tokens"
        value={fmtInt(t.inputTokens + t.outputTokens)}
        sub={`${fmtInt(t.inputTokens)} in · ${fmtInt(t.outputTokens)} out`}
      />
      <Card
        label="Sats"
        value={fmtSats(t.sats)}
        {...(t.budgetSats !== undefined ? { sub: `of ${fmtSats(t.budgetSats)} budget` } : {})}
      />
      <Card label="Wall time" value={fmtMs(t.wallMs)} />
      <Card label="Providers" value={fmtInt(t.providers)} />
      <Card
        label="Context"
        value={detail.context.type}
        sub={`${fmtInt(detail.context.chars)} chars${detail.context.items !== undefined ? ` · ${fmtInt(detail.context.items)} items` : ""}`}
      />
    </section>
  );
}

export interface LiveBarProps {
  detail: RunDetail;
  rows: number;
  live: "off" | "open" | "reconnecting";
}

export function LiveBar({ detail, rows, live }: LiveBarProps) {
  if (detail.summary.status !== "running") return null;
  const t = { ...detail.totals, ...seen(detail, rows) };
  return (
    <div class="live" role="status" aria-live="polite">
      <span class="badge info">{live === "reconnecting" ? "reconnecting…" : "live"}</span>
      <progress aria-label="Run in progress" />
      <span>
        iteration {fmtInt(t.iterations)} · {fmtInt(t.subcalls)} sub-calls finished · {fmtMs(t.wallMs)}
      </span>
      {t.budgetSats !== undefined && t.budgetSats > 0 && (
        <label class="budget">
          {fmtSats(t.sats)} of {fmtSats(t.budgetSats)}
          <meter min={0} max={t.budgetSats} value={t.sats} high={t.budgetSats * 0.8} />
        </label>
      )}
    </div>
  );
}
