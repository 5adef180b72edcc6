/** The sub-calls table's filters: text, status, provider, and chips for the RLM and iteration selected above. */
import type { ProviderTotals } from "../../../src/api.js";
import { providerLabel } from "../format.js";
import type { TableQuery } from "../subcall-view.js";

export interface FiltersProps {
  query: TableQuery;
  setQuery: (q: TableQuery) => void;
  providers: ProviderTotals[];
  known: Map<string, ProviderTotals>;
}

export function TableFilters({ query, setQuery, providers, known }: FiltersProps) {
  return (
    <div class="filters">
      <input
        type="search"
        class="search"
        placeholder="Filter prompt, reply, provider, error…"
        aria-label="Filter sub-calls by text"
        value={query.text}
        onInput={(event) => setQuery({ ...query, text: event.currentTarget.value })}
      />
      <label>
        Status{" "}
        <select
          value={query.status}
          onChange={(event) =>
            setQuery({ ...query, status: event.currentTarget.value as TableQuery["status"] })
          }
        >
          <option value="all">all</option>
          <option value="ok">ok</option>
          <option value="failed">failed</option>
        </select>
      </label>
      <label>
        Provider{" "}
        <select
          value={query.provider}
          onChange={(event) => setQuery({ ...query, provider: event.currentTarget.value })}
        >
          <option value="">all</option>
          {providers.map((p) => (
            <option key={p.provider} value={p.provider}>
              {providerLabel(p.provider, known)}
            </option>
          ))}
        </select>
      </label>
      {query.runId !== null && (
        <button
          type="button"
          class="chip"
          onClick={() => setQuery({ ...query, runId: null, iteration: null })}
        >
          RLM {query.runId.slice(0, 12)} ✕
        </button>
      )}
      {query.iteration !== null && (
        <button type="button" class="chip" onClick={() => setQuery({ ...query, iteration: null })}>
          iteration {query.iteration} ✕
        </button>
      )}
    </div>
  );
}
