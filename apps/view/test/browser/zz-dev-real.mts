import { SandboxPool } from "@pylon/rlm";
import { startViewServer } from "../../src/index.js";
import { scriptedRun } from "../server-runs.js";
import { mkdtempSync } from "node:fs";
const runsDir = mkdtempSync("/tmp/viewui-runs-");
const pool = new SandboxPool({ cellTimeoutMs: 20_000 });
await scriptedRun(runsDir, "first", pool, { parts: 8, budgetSats: 100 });
const server = await startViewServer({ runsDir, port: 5189, token: "devtoken" });
console.log(server.url);
// a live one
void scriptedRun(runsDir, "live", pool, { parts: 30, delayMs: 400 });
