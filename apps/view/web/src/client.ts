/**
 * The API client: every request carries the token the page was opened with (`?token=` on the first load, kept
 * in sessionStorage) as a bearer header, besides the cookie the server sets, so a reload on /runs/:id works.
 */
import type {
  LiveEvent,
  MarketSnapshot,
  NodeSnapshot,
  RunDetail,
  RunSummary,
  SubcallFull,
  SubcallPage,
  ViewInfo,
} from "../../src/api.js";

const KEY = "pylon-view-token";

function token(): string | null {
  const fromUrl = new URL(location.href).searchParams.get("token");
  if (fromUrl) {
    sessionStorage.setItem(KEY, fromUrl);
    return fromUrl;
  }
  return sessionStorage.getItem(KEY);
}

/** An API failure with its HTTP status, so pages can tell "none configured" (404) from a broken server. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function get<T>(path: string, signal?: AbortSignal): Promise<T> {
  const t = token();
  const init: RequestInit = { credentials: "same-origin" };
  if (t) init.headers = { authorization: `Bearer ${t}` };
  if (signal) init.signal = signal;
  const response = await fetch(path, init);
  if (!response.ok) {
    const text = await response.text().catch(() => "");
    throw new ApiError(
      response.status,
      `${path}: HTTP ${response.status}${text ? ` ${text.slice(0, 200)}` : ""}`,
    );
  }
  return (await response.json()) as T;
}

const run = (id: string) => `/api/runs/${encodeURIComponent(id)}`;

export const api = {
  runs: (signal?: AbortSignal) => get<RunSummary[]>("/api/runs", signal),
  run: (id: string, signal?: AbortSignal) => get<RunDetail>(run(id), signal),
  subcalls: (id: string, from: number, to: number, signal?: AbortSignal) =>
    get<SubcallPage>(`${run(id)}/subcalls?from=${from}&to=${to}`, signal),
  subcall: (id: string, index: number, signal?: AbortSignal) =>
    get<SubcallFull>(`${run(id)}/subcalls/${index}`, signal),
  info: (signal?: AbortSignal) => get<ViewInfo>("/api/info", signal),
  market: (signal?: AbortSignal) => get<MarketSnapshot>("/api/market", signal),
  node: (signal?: AbortSignal) => get<NodeSnapshot>("/api/node", signal),
};

/**
 * Follows a running run: `record` events carry LiveEvents. `since` says what the page already has (so the
 * server replays what came after it, and a reconnect replays again: applying events is idempotent).
 * EventSource cannot send headers: the token goes in the URL.
 */
export function live(
  id: string,
  since: { subcalls: number; iterations: number },
  onEvent: (event: LiveEvent) => void,
  onError: () => void,
): () => void {
  const query = new URLSearchParams({
    subcalls: String(since.subcalls),
    iterations: String(since.iterations),
  });
  const t = token();
  if (t) query.set("token", t);
  const source = new EventSource(`${run(id)}/live?${query}`);
  const handle = (message: MessageEvent<string>) => {
    try {
      onEvent(JSON.parse(message.data) as LiveEvent);
    } catch {
      // A malformed event is skipped; the next totals event carries the state again.
    }
  };
  source.addEventListener("record", handle);
  source.addEventListener("message", handle);
  source.addEventListener("error", onError);
  return () => source.close();
}
