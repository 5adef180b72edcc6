/**
 * A process serving the MCP server over stdio, for mcp-stdio.test.ts: `node --import tsx stdio-server.ts
 * <allowed root> <receipts dir>`, behind the SCRIPTED RLM service. Says on stderr when it stopped cleanly.
 */
import { SandboxPool } from "@pylon/rlm";
import { serveMcpOverStdio } from "../src/index.js";
import { scriptedRlmService } from "./scripted-rlm-service.js";

const [root, dir] = process.argv.slice(2);
const sandboxes = new SandboxPool({ cellTimeoutMs: 20_000 });
const service = scriptedRlmService({ sandboxes, dir: dir! });
await serveMcpOverStdio({
  service,
  roots: [root!],
  budgetSats: 10,
  version: "0.0.0-test",
  log: (line) => console.error(line),
});
await service.close();
await sandboxes.close();
console.error("stdio server: client gone, stopped");
