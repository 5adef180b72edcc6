/** One sub-call's whole prompt and reply (fetched on demand), shown below the table; Escape closes it. */
import { useEffect, useRef, useState } from "preact/hooks";
import type { ProviderTotals, SubcallFull } from "../../../src/api.js";
import { api } from "../client.js";
import { fmtInt, fmtMs, fmtSats } from "../format.js";
import { Scroll } from "./Code.js";

export interface DetailProps {
  runId: string;
  index: number;
  provider?: ProviderTotals;
  onClose: () => void;
}

export function SubcallDetail({ runId, index, provider, onClose }: DetailProps) {
  const [full, setFull] = useState<SubcallFull | null>(null);
  const [error, setError] = useState<string | null>(null);
  const box = useRef<HTMLElement>(null);
  useEffect(() => {
    const controller = new AbortController();
    setFull(null);
    setError(null);
    api.subcall(runId, index, controller.signal).then(setFull, (e: Error) => {
      if (!controller.signal.aborted) setError(e.message);
    });
    return () => controller.abort();
  }, [runId, index]);
  // Opened from the iteration pane, it may be far below: bring it into view (no scroll when it is in view).
  useEffect(() => {
    if (full) box.current?.scrollIntoView({ block: "nearest" });
  }, [full]);
  return (
    <section
      ref={box}
      class={`detail${full && !full.ok ? " failed" : ""}`}
      aria-label={`Sub-call ${index}`}
      onKeyDown={(event) => {
        if (event.key === "Escape") onClose();
      }}
    >
      <header>
        <h3>Sub-call #{index}</h3>
        <button type="button" onClick={onClose} aria-label="Close the sub-call">
          Close ✕
        </button>
      </header>
      {error && <p class="notice bad">{error}</p>}
      {!full && !error && <p class="muted">Loading…</p>}
      {full && (
        <>
          <dl class="facts">
            <dt>Provider</dt>
            <dd>
              {provider?.name ?? full.provider}
              {provider?.npub && <span class="muted mono"> {provider.npub}</span>}
            </dd>
            <dt>Model</dt>
            <dd>{full.model}</dd>
            <dt>Kind</dt>
            <dd>{full.kind}</dd>
            <dt>Status</dt>
            <dd class={full.ok ? "" : "bad-text"}>
              {full.ok ? "ok" : `failed${full.error ? `: ${full.error}` : ""}`}
            </dd>
            <dt>Attempts / hedges</dt>
            <dd>
              {full.attempts ?? "—"} / {full.hedges ?? "—"}
            </dd>
            <dt>Latency</dt>
            <dd>{fmtMs(full.latencyMs)}</dd>
            <dt>Tokens</dt>
            <dd>
              {fmtInt(full.inputTokens)} in, {fmtInt(full.outputTokens)} out
            </dd>
            <dt>Cost</dt>
            <dd>{fmtSats(full.costSats)}</dd>
          </dl>
          <h4>Prompt ({fmtInt(full.promptChars)} characters)</h4>
          <Scroll class="text">{full.prompt}</Scroll>
          <h4>Reply ({fmtInt(full.responseChars)} characters)</h4>
          <Scroll class={`text${full.ok ? "" : " stderr"}`}>{full.response}</Scroll>
        </>
      )}
    </section>
  );
}
