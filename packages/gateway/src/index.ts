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
