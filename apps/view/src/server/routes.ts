/** Which answer a request gets, once it is known to carry the token. */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { MarketSnapshot, NodeSnapshot, SubcallPage, ViewInfo } from "../api.js";
import { sendError, sendJson } from "./http.js";
import { serveLive } from "./live.js";
import type { LogWatches } from "./live-watch.js";
import type { RunCatalog } from "./runs.js";
import type { WebFiles } from "./static.js";

/** The most rows one page answers: the table asks for what it shows. */
const MAX_PAGE = 5_000;
const PAGES = /^\/(?:runs(?:\/[^/]+)?|market|node)?\/?$/;

export interface RouteContext {
  catalog: RunCatalog;
  watches: LogWatches;
  web: WebFiles;
  market?: () => Promise<MarketSnapshot>;
  node?: () => Promise<NodeSnapshot>;
}

export async function route(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  ctx: RouteContext,
): Promise<void> {
  const path = url.pathname;
  if (!path.startsWith("/api/")) {
    if (PAGES.test(path)) ctx.web.sendIndex(res);
    else if (!ctx.web.sendAsset(path.slice(1), res)) sendError(res, 404, "not-found", "no such page");
    return;
  }
  if (path === "/api/info") {
    const info: ViewInfo = { market: ctx.market !== undefined, node: ctx.node !== undefined };
    return sendJson(res, 200, info);
  }
  if (path === "/api/runs") return sendJson(res, 200, ctx.catalog.list());
  if (path === "/api/market") return snapshot(res, ctx.market, "market");
  if (path === "/api/node") return snapshot(res, ctx.node, "node");

  const match = /^\/api\/runs\/([^/]+)(\/live|\/subcalls(?:\/(\d+))?)?$/.exec(path);
  const id = match ? decoded(match[1]!) : undefined;
  const entry = id === undefined ? undefined : ctx.catalog.entry(id);
  if (!match || !entry) return sendError(res, 404, "not-found", match ? "no such run" : "no such route");
  const fold = entry.fold;
  const rest = match[2];
  if (rest === undefined) return sendJson(res, 200, fold.detail());
  if (rest === "/live") {
    return serveLive(req, res, entry, ctx.watches, {
      ...count(url, "subcalls"),
      ...count(url, "iterations"),
    });
  }
  if (match[3] !== undefined) {
    const full = fold.full(Number(match[3]));
    return full
      ? sendJson(res, 200, full)
      : sendError(res, 404, "no-such-subcall", "no sub-call with that index");
  }
  const from = integer(url.searchParams.get("from"), 0);
  const to = Math.min(integer(url.searchParams.get("to"), from + 200), from + MAX_PAGE);
  const page: SubcallPage = { total: fold.subcallCount, from, rows: fold.page(from, to) };
  return sendJson(res, 200, page);
}

async function snapshot(res: ServerResponse, source: (() => Promise<unknown>) | undefined, what: string) {
  if (!source) return sendError(res, 404, `no-${what}`, `this viewer shows no ${what}`);
  try {
    sendJson(res, 200, await source());
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    sendError(res, 502, `${what}-unavailable`, `the ${what} could not be read: ${message}`);
  }
}

function decoded(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}

function integer(value: string | null, fallback: number): number {
  const n = value === null ? Number.NaN : Number(value);
  return Number.isInteger(n) && n >= 0 ? n : fallback;
}

function count(url: URL, name: string): Record<string, number> {
  const value = url.searchParams.get(name);
  const n = value === null ? Number.NaN : Number(value);
  return Number.isInteger(n) && n >= 0 ? { [name]: n } : {};
}
