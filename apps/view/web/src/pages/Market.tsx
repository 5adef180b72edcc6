/** The live providers on the configured relays, refreshed every few seconds. */
import { api } from "../client.js";
import { fmtAgo, fmtInt, shortKey } from "../format.js";
import { usePoll } from "../poll.js";

const load = (signal: AbortSignal) => api.market(signal);

const pct = (x: number | undefined) => (x === undefined ? "—" : `${Math.round(x * 100)} %`);

export function MarketPage() {
  const { data, error, status } = usePoll(load, 3000);
  return (
    <section aria-labelledby="market-title">
      <div class="page-head">
        <h1 id="market-title">Market</h1>
        {data && <span class="muted">updated {new Date(data.at).toLocaleTimeString("en-GB")}</span>}
      </div>
      {status === 404 && <p class="notice">This viewer has no relays configured, so it sees no market.</p>}
      {error && status !== 404 && <p class="notice bad">{error}</p>}
      {data && (
        <>
          <ul class="relays" aria-label="Relays">
            {data.relays.map((relay) => (
              <li key={relay.url}>
                <span class={`badge ${relay.connected ? "ok" : "bad"}`}>
                  {relay.connected ? "connected" : "down"}
                </span>{" "}
                <span class="mono">{relay.url}</span>
                {relay.error && <span class="bad-text"> {relay.error}</span>}
              </li>
            ))}
          </ul>
          <table class="grid">
            <thead>
              <tr>
                <th scope="col">Provider</th>
                <th scope="col">Models</th>
                <th scope="col">Digest</th>
                <th scope="col" class="num">
                  Price (msat / 1k out)
                </th>
                <th scope="col" class="num">
                  Capacity
                </th>
                <th scope="col" class="num">
                  Load
                </th>
                <th scope="col" class="num">
                  Trust
                </th>
                <th scope="col">Last heartbeat</th>
              </tr>
            </thead>
            <tbody>
              {data.providers.map((p) => (
                <tr key={p.pubkey} class={p.blocked ? "failed" : ""}>
                  <td>
                    <strong>{p.name}</strong>{" "}
                    {p.live !== undefined && (
                      <span class={`badge ${p.live ? "ok" : "warn"}`}>{p.live ? "live" : "stale"}</span>
                    )}
                    <div class="muted mono" title={p.npub}>
                      {shortKey(p.npub)}
                    </div>
                  </td>
                  <td>{p.models.map((m) => m.name).join(", ")}</td>
                  <td class="mono">
                    {p.models.map((m) => (m.digest ? m.digest.slice(0, 12) : "—")).join(", ")}
                  </td>
                  <td class="num">
                    {p.priceMsatsPer1kOutput === undefined ? "—" : fmtInt(p.priceMsatsPer1kOutput)}
                  </td>
                  <td class="num">
                    {p.capacity?.slots !== undefined ? `${p.capacity.slots} slots` : "—"}
                    {p.capacity?.queue !== undefined && ` · queue ${p.capacity.queue}`}
                    {p.capacity?.maxBatch !== undefined && ` · batch ${p.capacity.maxBatch}`}
                  </td>
                  <td class="num">
                    {pct(p.load)}
                    {p.jobs && (
                      <div class="muted">
                        {p.jobs.active} running · {p.jobs.queued} queued
                      </div>
                    )}
                  </td>
                  <td class="num">{p.blocked ? <span class="badge bad">blocked</span> : pct(p.trust)}</td>
                  <td>{fmtAgo(p.lastSeenAt, data.at)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {data.providers.length === 0 && (
            <p class="notice">No provider has announced itself on these relays yet.</p>
          )}
        </>
      )}
    </section>
  );
}
