/**
 * The MCP server of `pylon mcp`: the SDK's McpServer with Pylon's two tools, `rlm_query` and `market_models`,
 * in front of one ModelService. Transport-free: serveMcpOverStdio (stdio.ts) connects it to stdin/stdout,
 * tests to the SDK's in-memory transport.
 */
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { registerMarketModels } from "./market-models.js";
import type { McpServerOptions, ToolSettings } from "./options.js";
import { registerRlmQuery } from "./rlm-query.js";

export function createMcpServer(options: McpServerOptions): McpServer {
  if (!(options.budgetSats > 0))
    throw new RangeError(`budgetSats must be a positive number, got ${options.budgetSats}`);
  const settings: ToolSettings = { ...options, model: options.model ?? "rlm" };
  const server = new McpServer(
    { name: "pylon", title: "Pylon", version: options.version },
    {
      capabilities: { tools: {} },
      instructions:
        "Pylon runs Recursive Language Models on a paid compute market. Call rlm_query with a question and the " +
        "files, folders or text it is about when they are too large to read yourself; market_models lists the " +
        "market's models and prices.",
    },
  );
  registerRlmQuery(server, settings);
  registerMarketModels(server, settings);
  return server;
}
