/**
 * The viewer's door: every kind of route (page, asset, API, live stream) answers 401 without the token or
 * with a wrong one, and the body tells nothing (no run ids, no file names); the token moves from the URL into
 * an HttpOnly SameSite=Strict cookie; the server binds 127.0.0.1 unless told otherwise.
 */
import { writeFileSync } from "node:fs";
import { connect } from "node:net";
import { networkInterfaces } from "node:os";
import { join } from "node:path";
import { Cleanup, tempDir } from "@pylon/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningViewServer, startViewServer } from "../src/index.js";
import { bearer, get } from "./server-client.js";

const cleanup = new Cleanup();
let server: RunningViewServer;
let runsDir: string;

beforeAll(async () => {
  runsDir = await tempDir(cleanup, "pylon-view-auth-");
  const webDir = await tempDir(cleanup, "pylon-view-web-");
  writeFileSync(join(webDir, "index.html"), '<!doctype html><script src="/app.js"></script>');
  writeFileSync(join(webDir, "app.js"), "console.log('viewer')");
  writeFileSync(join(webDir, "app.css"), "body{}");
  // A run log whose id and question must never show without the token.
  const run = {
    type: "run",
    runId: "secret-run-id",
    parentRunId: null,
    depth: 0,
    question: "secret question",
    models: { root: "r", sub: "s" },
    budget: {},
    maxIterations: 3,
    maxDepth: 1,
    context: { type: "str", totalChars: 1, parts: 1 },
    startedAt: new Date().toISOString(),
  };
  writeFileSync(join(runsDir, "secret-file-name.jsonl"), `${JSON.stringify(run)}\n`);
  server = cleanup.use(
    await startViewServer({ runsDir, webDir, market: async () => ({ relays: [], providers: [], at: 0 }) }),
    (s) => s.close(),
  );
});
afterAll(() => cleanup.run());

const ROUTES = [
  "/",
  "/runs/secret-file-name",
  "/market",
  "/node",
  "/app.js",
  "/app.css",
  "/no-such-file.js",
  "/api/info",
  "/api/runs",
  "/api/runs/secret-file-name",
  "/api/runs/secret-file-name/subcalls?from=0&to=10",
  "/api/runs/secret-file-name/subcalls/0",
  "/api/runs/secret-file-name/live",
  "/api/runs/no-such-run",
  "/api/market",
  "/api/node",
];

function origin(): string {
  return `http://127.0.0.1:${server.port}`;
}

describe("without the token", () => {
  it("answers 401 on every kind of route, with a body that reveals nothing", async () => {
    const wrong = "x".repeat(server.token.length);
    const attempts: Array<[string, Record<string, string>]> = [];
    for (const path of ROUTES) {
      attempts.push([path, {}]);
      attempts.push([path, bearer(wrong)]);
      attempts.push([path, { Cookie: `pylon_view_${server.port}=${wrong}` }]);
      attempts.push([`${path}${path.includes("?") ? "&" : "?"}token=${wrong}`, {}]);
      // The right token under another port's cookie name is not this viewer's cookie.
      attempts.push([path, { Cookie: `pylon_view_1=${server.token}` }]);
    }
    for (const [path, headers] of attempts) {
      const reply = await get(`${origin()}${path}`, headers);
      expect(reply.status, `${path} ${JSON.stringify(headers)}`).toBe(401);
      expect(reply.body).toBe("unauthorised\n");
      expect(reply.headers["set-cookie"]).toBeUndefined();
      expect(reply.headers["content-security-policy"]).toContain("default-src 'self'");
    }
  });

  it("binds 127.0.0.1 by default: not reachable on the machine's other addresses", async () => {
    expect(new URL(server.url).hostname).toBe("127.0.0.1");
    const others = Object.values(networkInterfaces())
      .flat()
      .filter((a) => a && !a.internal && a.family === "IPv4")
      .map((a) => a!.address);
    for (const address of others) {
      const refused = await new Promise<boolean>((resolve) => {
        const socket = connect({ host: address, port: server.port, timeout: 2_000 });
        socket.on("connect", () => {
          socket.destroy();
          resolve(false);
        });
        socket.on("error", () => resolve(true));
        socket.on("timeout", () => {
          socket.destroy();
          resolve(true);
        });
      });
      expect(refused, `reachable on ${address}`).toBe(true);
    }
  });
});

describe("with the token", () => {
  it("moves a page load's ?token= into an HttpOnly SameSite=Strict cookie and redirects without it", async () => {
    const first = await get(`${origin()}/runs/secret-file-name?token=${server.token}&tab=code`);
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe("/runs/secret-file-name?tab=code");
    const cookie = String(first.headers["set-cookie"]);
    expect(cookie).toMatch(new RegExp(`^pylon_view_${server.port}=`));
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("SameSite=Strict");
    expect(first.headers["referrer-policy"]).toBe("no-referrer");

    const jar = { Cookie: cookie.split(";")[0]! };
    const page = await get(`${origin()}${first.headers.location}`, jar);
    expect(page.status).toBe(200);
    expect(page.headers["content-type"]).toContain("text/html");
    expect(page.body).toContain('src="/app.js"');
    expect(page.headers["x-content-type-options"]).toBe("nosniff");
    const script = await get(`${origin()}/app.js`, jar);
    expect(script.status).toBe(200);
    expect(script.headers["content-type"]).toContain("javascript");
    const runs = await get(`${origin()}/api/runs`, jar);
    expect(runs.status).toBe(200);
    expect(JSON.parse(runs.body)[0].question).toBe("secret question");
  });

  it("accepts the token as a bearer header on the API and on ?token= for an API call", async () => {
    expect((await get(`${origin()}/api/runs`, bearer(server.token))).status).toBe(200);
    expect((await get(`${origin()}/api/runs?token=${server.token}`)).status).toBe(200);
    expect((await get(`${origin()}/api/info`, bearer(server.token))).body).toBe(
      '{"market":true,"node":false}',
    );
  });

  it("answers unknown things with 404s and the viewer keeps going", async () => {
    const auth = bearer(server.token);
    for (const path of [
      "/api/runs/..%2F..%2Fetc%2Fpasswd",
      "/api/runs/%E0%A4%A",
      "/../../etc/passwd",
      "/api/nope",
    ]) {
      const reply = await get(`${origin()}${path}`, auth);
      expect(reply.status, path).toBe(404);
    }
    expect((await get(`${origin()}/api/node`, auth)).status).toBe(404);
    expect((await get(`${origin()}/api/runs`, auth)).status).toBe(200);
  });
});
