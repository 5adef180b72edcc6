/**
 * The viewer's JSON API: what the server (src/server/) answers and the web UI (web/) reads. Every route needs
 * the token (`?token=…` on the first page load, then the `pylon_view` cookie or an `Authorization: Bearer`
 * header); without it the server answers 401 and reveals nothing. (The cookie is named `pylon_view_<port>`:
 * browsers do not keep cookies apart by port.) Errors are JSON `{ error: "kebab-code", message }`.
 *
 *   GET /api/runs                      → RunSummary[]          newest first
 *   GET /api/runs/:id                  → RunDetail             (404 unknown)
 *   GET /api/runs/:id/subcalls?from&to → SubcallPage           rows [from, to) of the flat sub-call list
 *   GET /api/runs/:id/subcalls/:index  → SubcallFull           one sub-call's whole prompt and reply
 *   GET /api/runs/:id/live             → text/event-stream     `record` events (LiveEvent) as the log grows;
 *                                        ?subcalls=N&iterations=M: first what the page lacks beyond those counts
 *   GET /api/info                      → ViewInfo              which of the market and node pages have data
 *   GET /api/market                    → MarketSnapshot        (404 when the viewer has no relays)
 *   GET /api/node                      → NodeSnapshot          (404 when the viewer shows no node)
 */

export type RunStatus = "running" | "final" | "max-iterations" | "budget" | "timeout" | "aborted" | "error";

export interface RunSummary {
  /** The root run id (also the log's file name without .jsonl). */
  id: string;
  question: string;
  answer: string | null;
  status: RunStatus;
  subcalls: number;
  failedSubcalls: number;
  sats: number;
  /** ISO time. */
  startedAt: string;
  /** Wall time so far (running) or in all. */
  durationMs: number;
  models: { root: string; sub: string };
  /** ISO time of the log's last write (in the list): a "running" run whose log went silent long ago crashed. */
  updatedAt?: string;
}

/** One RLM of the tree (the root, or a child started by rlm_query). */
export interface TreeNode {
  runId: string;
  parentRunId: string | null;
  depth: number;
  question: string;
  answer: string | null;
  status: RunStatus;
  iterations: number;
  /** Sub-calls made by this RLM's own code (not its children's). */
  subcalls: number;
  sats: number;
  children: TreeNode[];
}

export interface CodeBlockView {
  code: string;
  stdout: string;
  stderr: string;
  error?: { type: string; message: string };
  durationMs: number;
}

export interface IterationView {
  runId: string;
  iteration: number;
  forced: boolean;
  modelOutput: string;
  modelLatencyMs: number;
  modelProvider?: string;
  modelCostSats?: number;
  usage: { inputTokens: number; outputTokens: number };
  codeBlocks: CodeBlockView[];
  /**
   * The flat sub-call indices this iteration made lie in [first, first + count). In a depth > 1 run a child
   * RLM's rows may sit between them: filter rows by runId and iteration.
   */
  subcalls: { first: number; count: number };
  final?: { content: string; source: string };
  durationMs: number;
  /** ms since the run started, when the iteration ended. */
  endedAtMs: number;
}

export interface ProviderTotals {
  provider: string;
  /** A name from its announcement or the reputation book, when known. */
  name?: string;
  /** npub of the provider key, when it is a Nostr key. */
  npub?: string;
  /** Sub-calls it answered or failed, plus root turns it served. */
  jobs: number;
  failed: number;
  sats: number;
  tokens: number;
  /** Root turns among its jobs (a root on the market). */
  rootTurns?: number;
  /** Jobs sent for its sub-calls and hedges among them, when the swarm reported them. */
  attempts?: number;
  hedges?: number;
  /** Mean latency of its answered sub-calls, ms. */
  meanLatencyMs?: number;
}

export interface RunTotalsView {
  iterations: number;
  subcalls: number;
  subcallsAnswered: number;
  subcallsFailed: number;
  inputTokens: number;
  outputTokens: number;
  sats: number;
  wallMs: number;
  providers: number;
  /** The run's budget (sats), when it had one: the live page shows spent vs budget. */
  budgetSats?: number;
}

export interface RunDetail {
  summary: RunSummary;
  totals: RunTotalsView;
  tree: TreeNode;
  /** Every RLM's iterations, in log order. */
  iterations: IterationView[];
  providers: ProviderTotals[];
  /** The run's context as the log describes it (type, size). */
  context: { type: string; chars: number; items?: number };
}

/** One sub-call as a table row: previews only (the full texts via /subcalls/:index). */
export interface SubcallRow {
  index: number;
  runId: string;
  iteration: number;
  depth: number;
  kind: "llm" | "rlm";
  ok: boolean;
  /** The first 200 characters. */
  promptPreview: string;
  responsePreview: string;
  promptChars: number;
  responseChars: number;
  provider: string;
  model: string;
  /** Jobs sent for it (1 + retries + hedges), when the backend reports them. */
  attempts?: number;
  hedges?: number;
  latencyMs: number;
  inputTokens: number;
  outputTokens: number;
  costSats: number;
  /** ms since the run started, when it finished. */
  endedAtMs: number;
  /** Why it failed (ok false): the reply text of a failure. */
  error?: string;
}

export interface SubcallPage {
  total: number;
  from: number;
  rows: SubcallRow[];
}

export interface SubcallFull extends SubcallRow {
  prompt: string;
  response: string;
}

/** What the live stream sends: a whole new detail is too big at 100,000 sub-calls, so deltas. */
export type LiveEvent =
  | { type: "subcalls"; rows: SubcallRow[] }
  | { type: "iteration"; iteration: IterationView }
  | { type: "totals"; totals: RunTotalsView; tree: TreeNode; providers: ProviderTotals[] }
  | { type: "final"; summary: RunSummary };

export interface MarketProvider {
  pubkey: string;
  npub: string;
  name: string;
  models: Array<{ name: string; digest?: string }>;
  /** msats per 1,000 output tokens (cheapest model), when announced. */
  priceMsatsPer1kOutput?: number;
  capacity?: { slots?: number; maxBatch?: number; queue?: number };
  /** 0–1 when its heartbeat says: (running + queued) / (slots + queue). */
  load?: number;
  /** Its heartbeat's counts. */
  jobs?: { active: number; queued: number };
  /** Online, unexpired and heard from recently: jobs may go there. */
  live?: boolean;
  /** 0–1 from the reputation book; blocked providers say so. */
  trust?: number;
  blocked?: boolean;
  streaming?: boolean;
  /** Unix ms of its last heartbeat or announcement. */
  lastSeenAt: number;
  relays: string[];
}

export interface MarketSnapshot {
  relays: Array<{ url: string; connected: boolean; error?: string }>;
  providers: MarketProvider[];
  at: number;
}

export interface NodeSnapshot {
  name: string;
  pubkey: string;
  model: string;
  jobs: { running: number; queued: number; done: number; failed: number };
  /** Recent throughput samples: unix ms and output tokens/s. */
  tokensPerSecond: Array<{ at: number; value: number }>;
  earnings: { sats: number; jobs: number };
  tabs: Array<{ buyer: string; balanceSats: number; chargedSats: number; openedAt: number }>;
  at: number;
}

/** What this viewer can show besides runs. */
export interface ViewInfo {
  market: boolean;
  node: boolean;
}
