/**
 * The built web UI (dist/web: index.html, app.js, app.css and whatever else the build writes beside them).
 * Client-side routes all get index.html; file names are matched flat, never joined from the URL as paths.
 */
import { readdirSync, readFileSync } from "node:fs";
import type { ServerResponse } from "node:http";
import { extname, join } from "node:path";
import { fileURLToPath } from "node:url";

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".woff2": "font/woff2",
  ".ico": "image/x-icon",
};

// From src/server/ and from dist/server/ alike: apps/view/dist/web.
export const DEFAULT_WEB_DIR = fileURLToPath(new URL("../../dist/web/", import.meta.url));

const NOT_BUILT = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>pylon view</title></head>
<body><h1>pylon view</h1><p>The web UI is not built. Run <code>npm run build -w @pylon/view</code>;
the JSON API answers under <code>/api/</code> meanwhile.</p></body></html>
`;

export class WebFiles {
  private readonly files = new Map<string, Buffer>();

  constructor(private readonly dir: string = DEFAULT_WEB_DIR) {}

  /** Reads the folder's files (again: a rebuild while the viewer runs is picked up on the next page load). */
  private load(): void {
    this.files.clear();
    let names: string[] = [];
    try {
      names = readdirSync(this.dir);
    } catch {
      return;
    }
    for (const name of names) {
      if (!TYPES[extname(name)]) continue;
      try {
        this.files.set(name, readFileSync(join(this.dir, name)));
      } catch {
        // A folder or an unreadable file is not served.
      }
    }
  }

  /** The page itself, for every client-side route. */
  sendIndex(res: ServerResponse): void {
    this.load();
    const index = this.files.get("index.html") ?? Buffer.from(NOT_BUILT);
    res.writeHead(200, {
      "Content-Type": TYPES[".html"]!,
      "Content-Length": index.length,
      "Cache-Control": "no-store",
    });
    res.end(index);
  }

  /** An asset by its flat name (`/app.js`); false when there is none. */
  sendAsset(name: string, res: ServerResponse): boolean {
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) return false;
    if (this.files.size === 0 || !this.files.has(name)) this.load();
    const body = this.files.get(name);
    if (!body) return false;
    res.writeHead(200, {
      "Content-Type": TYPES[extname(name)]!,
      "Content-Length": body.length,
      "Cache-Control": "no-cache",
    });
    res.end(body);
    return true;
  }
}
