/** The providers a run paid: jobs, failures, sats and tokens each, the figures a receipt lists. */
import type { ProviderTotals } from "../../../src/api.js";
import { fmtInt, fmtSats } from "../format.js";

export function ProvidersTable({ providers }: { providers: ProviderTotals[] }) {
  if (providers.length === 0) return <p class="muted">No provider was paid (local models only).</p>;
  const sorted = [...providers].sort((a, b) => b.sats - a.sats || b.jobs - a.jobs);
  return (
    <table class="grid providers">
      <thead>
        <tr>
          <th scope="col">Provider</th>
          <th scope="col">npub</th>
          <th scope="col" class="num">
            Sub-calls
          </th>
          <th scope="col" class="num">
            Answered
          </th>
          <th scope="col" class="num">
            Failed
          </th>
          <th scope="col" class="num">
            Sats
          </th>
          <th scope="col" class="num">
            Tokens
          </th>
        </tr>
      </thead>
      <tbody>
        {sorted.map((p) => (
          <tr key={p.provider} data-provider={p.provider} data-npub={p.npub}>
            <td>{p.name ?? "—"}</td>
            <td class="mono">{p.npub ?? p.provider}</td>
            <td class="num">{fmtInt(p.jobs)}</td>
            <td class="num" data-answered={p.jobs - p.failed}>
              {fmtInt(p.jobs - p.failed)}
            </td>
            <td class={`num${p.failed > 0 ? " bad-text" : ""}`}>{fmtInt(p.failed)}</td>
            <td class="num" data-sats={p.sats}>
              {fmtSats(p.sats)}
            </td>
            <td class="num">{fmtInt(p.tokens)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
