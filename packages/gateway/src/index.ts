/**
 * @pylon/gateway: the market as a model for tools that already exist — an OpenAI-compatible HTTP API
 * (`pylon serve`) and an MCP server (`pylon mcp`), both in front of one ModelService.
 */

// The contract both fronts serve (the CLI implements it over the swarm and the RLM engine).
export {
  type ChatTurn,
  type Completion,
  type CompletionRequest,
  type ModelEntry,
  type ModelService,
  ServiceError,
  type ServiceErrorCode,
} from "./service.js";

// The OpenAI-compatible HTTP API: the server, and the bearer token kept in a 0600 file.
export { loadOrCreateToken } from "./openai/auth.js";
export { type OpenAIServerOptions, type RunningOpenAIServer, startOpenAIServer } from "./openai/server.js";

// The MCP server of `pylon mcp`: tools rlm_query and market_models, file access confined to the allowed roots.
export { createMcpServer } from "./mcp/server.js";
export type { McpServerOptions } from "./mcp/options.js";
export { serveMcpOverStdio } from "./mcp/stdio.js";
