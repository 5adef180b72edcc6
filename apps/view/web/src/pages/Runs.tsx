/** The runs in the data dir, newest first, with a search box that filters as you type. */
import { useMemo, useState } from "preact/hooks";
import type { RunSummary } from "../../../src/api.js";
import { api } from "../client.js";
import { RunStatusBadge } from "../components/Status.js";
import { fmtInt, fmtMs, fmtSats, fmtTime, oneLine } from "../format.js";
import { usePoll } from "../poll.js";
import { linkClick, navigate } from "../router.js";

const load = (signal: AbortSignal) => api.runs(signal);

function matches(run: RunSummary, words: string[]): boolean {
  const text = `${run.id} ${run.question} ${run.answer ?? ""} ${run.status} ${run.models.root} ${run.models.sub}`;
  const lower = text.toLowerCase();
  return words.every((word) => lower.includes(word));
}

/** A "running" run whose log has said nothing for a minute most likely crashed: say so. */
function silent(run: RunSummary): boolean {
  return (
    run.status === "running" && run.updatedAt !== undefined && Date.now() - Date.parse(run.updatedAt) > 60_000
  );
}

export function RunsPage() {
  const { data, error } = usePoll(load, 3000);
  const [query, setQuery] = useState("");
  const shown = useMemo(() => {
    const words = query.toLowerCase().split(/\s+/).filter(Boolean);
    return (data ?? []).filter((run) => matches(run, words));
  }, [data, query]);
  return (
    <section aria-labelledby="runs-title">
      <div class="page-head">
        <h1 id="runs-title">Runs</h1>
        <input
          type="search"
          class="search"
          placeholder="Search question, answer, status, model…"
          aria-label="Search runs"
          value={query}
          onInput={(event) => setQuery(event.currentTarget.value)}
        />
      </div>
      {error && <p class="notice bad">{error}</p>}
      {!data && !error && <p class="notice">Loading runs…</p>}
      {data && (
        <table class="grid runs">
          <thead>
            <tr>
              <th scope="col">Question</th>
              <th scope="col">Answer</th>
              <th scope="col">Status</th>
              <th scope="col" class="num">
                Sub-calls
              </th>
              <th scope="col" class="num">
                Sats
              </th>
              <th scope="col" class="num">
                Time
              </th>
              <th scope="col">Started</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((run) => (
              <tr
                key={run.id}
                class="clickable"
                data-run={run.id}
                onClick={(event) => {
                  if ((event.target as HTMLElement).closest("a")) return;
                  navigate(`/runs/${encodeURIComponent(run.id)}`);
                }}
              >
                <td>
                  <a href={`/runs/${encodeURIComponent(run.id)}`} onClick={linkClick}>
                    {oneLine(run.question, 120) || run.id}
                  </a>
                </td>
                <td class="muted">{run.answer === null ? "—" : oneLine(run.answer, 80)}</td>
                <td>
                  <RunStatusBadge status={run.status} />
                  {silent(run) && (
                    <>
                      {" "}
                      <span class="badge bad" title={`no log line since ${fmtTime(run.updatedAt!)}`}>
                        silent
                      </span>
                    </>
                  )}
                </td>
                <td class="num">
                  {fmtInt(run.subcalls)}
                  {run.failedSubcalls > 0 && (
                    <span class="bad-text"> ({fmtInt(run.failedSubcalls)} failed)</span>
                  )}
                </td>
                <td class="num">{fmtSats(run.sats)}</td>
                <td class="num">{fmtMs(run.durationMs)}</td>
                <td class="muted">{fmtTime(run.startedAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {data && shown.length === 0 && (
        <p class="notice">
          {data.length === 0 ? "No runs in this data dir yet." : "No run matches the search."}
        </p>
      )}
    </section>
  );
}
