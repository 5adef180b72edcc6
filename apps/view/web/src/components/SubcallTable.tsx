/**
 * The sub-calls table: sortable headers, filters, and rows virtualised with @tanstack/virtual-core (only the
 * visible rows plus a margin exist in the DOM), so 100,000 rows scroll smoothly. Rows are focusable (one tab
 * stop, arrow keys move, Enter opens the full texts below the table).
 */
import { elementScroll, observeElementOffset, observeElementRect, Virtualizer } from "@tanstack/virtual-core";
import { Component } from "preact";
import { useEffect, useLayoutEffect, useMemo, useReducer, useRef, useState } from "preact/hooks";
import type { ProviderTotals, SubcallRow } from "../../../src/api.js";
import { fmtInt, fmtMs, fmtSats, providerLabel } from "../format.js";
import { type RowStore, useRows } from "../rows.js";
import { isIdentity, type SortKey, selectRows, type TableQuery } from "../subcall-view.js";
import { TableFilters } from "./TableFilters.js";

const ROW = 32;
/** The sticky header row inside the scroller: the rows start below it. */
const HEAD = 32;
const MAX_HEIGHT = 480;
/** performance.mark name set when the table first shows a loaded row. */
export const FIRST_ROW_MARK = "pylon-view:first-row";

interface Column {
  key: SortKey | null;
  label: string;
  num?: boolean;
}
const columns: Column[] = [
  { key: "index", label: "#", num: true },
  { key: null, label: "RLM · it." },
  { key: null, label: "Prompt" },
  { key: null, label: "Reply" },
  { key: "provider", label: "Provider" },
  { key: "attempts", label: "Attempts", num: true },
  { key: "hedges", label: "Hedges", num: true },
  { key: "latency", label: "Latency", num: true },
  { key: "tokens", label: "Tokens", num: true },
  { key: "cost", label: "Cost", num: true },
  { key: "status", label: "Status" },
];

export interface TableProps {
  store: RowStore;
  providers: ProviderTotals[];
  query: TableQuery;
  setQuery: (q: TableQuery) => void;
  open: number | null;
  /** Opens a row's full texts below the table; null closes them. */
  onOpen: (index: number | null) => void;
}

interface CellsProps {
  row: SubcallRow;
  known: Map<string, ProviderTotals>;
}

/** A row's cells, re-rendered only when its row changes: scrolling re-renders the rows, not their cells. */
class Cells extends Component<CellsProps> {
  override shouldComponentUpdate(next: CellsProps): boolean {
    return next.row !== this.props.row || next.known !== this.props.known;
  }
  override render({ row, known }: CellsProps) {
    return <CellsView row={row} known={known} />;
  }
}

function CellsView({ row, known }: CellsProps) {
  const totals = known.get(row.provider);
  return (
    <>
      <td class="num">{row.index}</td>
      <td class="muted">
        d{row.depth} · {row.iteration}
      </td>
      <td>{row.promptPreview}</td>
      <td class={row.ok ? "" : "bad-text"}>
        {row.ok ? row.responsePreview : (row.error ?? row.responsePreview)}
      </td>
      <td title={totals?.npub ?? row.provider}>{providerLabel(row.provider, known)}</td>
      <td class="num">{row.attempts ?? "—"}</td>
      <td class="num">{row.hedges ?? "—"}</td>
      <td class="num">{fmtMs(row.latencyMs)}</td>
      <td class="num">{fmtInt(row.inputTokens + row.outputTokens)}</td>
      <td class="num">{fmtSats(row.costSats)}</td>
      <td>
        <span class={`badge ${row.ok ? "ok" : "bad"}`}>{row.ok ? "ok" : "failed"}</span>
      </td>
    </>
  );
}

export function SubcallTable(props: TableProps) {
  const { store, query, setQuery, open, onOpen } = props;
  const version = useRows(store);
  const known = useMemo(() => new Map(props.providers.map((p) => [p.provider, p])), [props.providers]);
  const identity = isIdentity(query);
  // Filtered or sorted: an index list over the rows loaded so far (recomputed as more arrive).
  const order = useMemo(() => (identity ? null : selectRows(store.rows, query)), [identity, query, version]);
  const count = order ? order.length : store.total;
  const scroller = useRef<HTMLDivElement>(null);
  const [, redraw] = useReducer((n: number) => n + 1, 0);
  const [focusPos, setFocusPos] = useState(0);
  const wantFocus = useRef(false);

  const options = {
    count,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW,
    overscan: 6,
    scrollMargin: HEAD,
    observeElementRect,
    observeElementOffset,
    scrollToFn: elementScroll,
    onChange: () => redraw(undefined),
  };
  const [virtualizer] = useState(() => new Virtualizer<HTMLDivElement, HTMLDivElement>(options));
  virtualizer.setOptions({ ...virtualizer.options, ...options });
  useLayoutEffect(() => virtualizer._didMount(), [virtualizer]);
  useLayoutEffect(() => virtualizer._willUpdate());

  const indexAt = (pos: number) => (order ? order[pos] : pos);
  // A new filter or sort starts at the top, where its first rows are.
  useEffect(() => {
    virtualizer.scrollToOffset(0);
    setFocusPos(0);
  }, [query, virtualizer]);
  const items = virtualizer.getVirtualItems();
  const first = items[0]?.index ?? 0;
  const last = items[items.length - 1]?.index ?? -1;
  useEffect(() => {
    // Rows scrolled into view that are not loaded yet (only possible in the flat order).
    if (!order && last >= first) void store.ensure(first, last + 1);
  }, [order, first, last, store]);
  const firstShown = items.length > 0 && store.rows[indexAt(first) ?? -1] !== undefined;
  useEffect(() => {
    // For the open-time measure (browser tests, devtools): navigation to the first rendered row.
    if (firstShown && performance.getEntriesByName(FIRST_ROW_MARK).length === 0)
      performance.mark(FIRST_ROW_MARK);
  }, [firstShown]);
  useLayoutEffect(() => {
    if (!wantFocus.current) return;
    const element = scroller.current?.querySelector<HTMLElement>(`[data-pos="${focusPos}"]`);
    if (element) {
      element.focus({ preventScroll: true });
      wantFocus.current = false;
    }
  });

  const moveTo = (pos: number) => {
    const next = Math.max(0, Math.min(count - 1, pos));
    wantFocus.current = true;
    setFocusPos(next);
    virtualizer.scrollToIndex(next, { align: "auto" });
  };
  const onKey = (event: KeyboardEvent, pos: number) => {
    const page = Math.max(1, Math.floor((scroller.current?.clientHeight ?? ROW * 10) / ROW) - 1);
    const moves: Record<string, number> = { ArrowDown: 1, ArrowUp: -1, PageDown: page, PageUp: -page };
    if (event.key in moves) moveTo(pos + moves[event.key]!);
    else if (event.key === "Home") moveTo(0);
    else if (event.key === "End") moveTo(count - 1);
    else if (event.key === "Enter" || event.key === " ") {
      const index = indexAt(pos);
      if (index !== undefined) onOpen(index === open ? null : index);
    } else if (event.key === "Escape" && open !== null) onOpen(null);
    else return;
    event.preventDefault();
  };
  // The filters and the header row change with the query only: the same vnodes let scrolling skip them.
  const filters = useMemo(
    () => <TableFilters query={query} setQuery={setQuery} providers={props.providers} known={known} />,
    [query, setQuery, props.providers, known],
  );
  const head = useMemo(() => {
    const sortBy = (key: SortKey) =>
      setQuery({ ...query, sort: key, descending: query.sort === key ? !query.descending : key !== "index" });
    return (
      <thead>
        <tr class="vrow vhead">
          {columns.map((column) => (
            <th
              key={column.label}
              scope="col"
              class={column.num ? "num" : ""}
              aria-sort={
                column.key && query.sort === column.key
                  ? query.descending
                    ? "descending"
                    : "ascending"
                  : undefined
              }
            >
              {column.key ? (
                <button type="button" class="sort" onClick={() => sortBy(column.key!)}>
                  {column.label}
                  {query.sort === column.key ? (query.descending ? " ▼" : " ▲") : ""}
                </button>
              ) : (
                column.label
              )}
            </th>
          ))}
        </tr>
      </thead>
    );
  }, [query, setQuery]);

  return (
    <section class="subcalls" aria-label="Sub-calls">
      {filters}
      <p class="muted table-note" aria-live="polite">
        {fmtInt(count)} {identity ? "sub-calls" : "matching"}
        {!store.complete && ` · ${fmtInt(store.loaded)} of ${fmtInt(store.total)} loaded`}
      </p>
      <div
        class="vbody"
        ref={scroller}
        data-testid="subcalls-scroller"
        style={{ height: `${Math.min(MAX_HEIGHT, HEAD + Math.max(count, 3) * ROW + 2)}px` }}
        onScroll={() => store.busy()}
      >
        <table class="vtable" aria-rowcount={count + 1} aria-label="Sub-calls table">
          {head}
          <tbody style={{ height: `${virtualizer.getTotalSize() - HEAD}px` }}>
            {items.map((item) => {
              const index = indexAt(item.index);
              const row = index === undefined ? undefined : store.rows[index];
              return (
                <tr
                  key={item.index}
                  class={`vrow${row && !row.ok ? " failed" : ""}${index === open ? " open" : ""}`}
                  aria-rowindex={item.index + 2}
                  aria-expanded={index === open}
                  tabIndex={item.index === Math.min(focusPos, count - 1) ? 0 : -1}
                  data-pos={item.index}
                  data-index={index}
                  style={{ transform: `translateY(${item.start - HEAD}px)` }}
                  onKeyDown={(event) => onKey(event, item.index)}
                  onFocus={() => setFocusPos(item.index)}
                  onClick={() => index !== undefined && onOpen(index)}
                >
                  {row ? (
                    <Cells row={row} known={known} />
                  ) : (
                    <td class="muted" colSpan={columns.length}>
                      loading #{index}…
                    </td>
                  )}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}
