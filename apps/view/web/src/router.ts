/** A tiny History-API router: the four client-side routes the server answers with index.html. */
import { useEffect, useState } from "preact/hooks";

export type Route =
  | { page: "runs" }
  | { page: "run"; id: string }
  | { page: "market" }
  | { page: "node" }
  | { page: "missing"; path: string };

export function parseRoute(path: string): Route {
  if (path === "/" || path === "") return { page: "runs" };
  if (path === "/market") return { page: "market" };
  if (path === "/node") return { page: "node" };
  const run = /^\/runs\/([^/]+)\/?$/.exec(path);
  if (run?.[1]) return { page: "run", id: decodeURIComponent(run[1]) };
  return { page: "missing", path };
}

const listeners = new Set<() => void>();

/** Navigates without a reload; the token stays in sessionStorage, so it is dropped from the URL. */
export function navigate(path: string): void {
  history.pushState(null, "", path);
  for (const listener of listeners) listener();
}

export function useRoute(): Route {
  const [path, setPath] = useState(location.pathname);
  useEffect(() => {
    const update = () => setPath(location.pathname);
    listeners.add(update);
    addEventListener("popstate", update);
    return () => {
      listeners.delete(update);
      removeEventListener("popstate", update);
    };
  }, []);
  return parseRoute(path);
}

/** A click handler for in-app links: plain clicks navigate in place, modified clicks open a tab as usual. */
export function linkClick(event: MouseEvent): void {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey)
    return;
  const anchor = event.currentTarget as HTMLAnchorElement;
  event.preventDefault();
  navigate(anchor.pathname);
}
