/** What `pylon mcp` configures: the service, the folders files may be read from, the model and budget. */
import type { ModelService } from "../service.js";

export interface McpServerOptions {
  service: ModelService;
  /** Folders `rlm_query` may read (symlinks followed); none: paths are refused, `text` still works. */
  roots: string[];
  /** The model `rlm_query` asks; default "rlm". */
  model?: string;
  /** Most one `rlm_query` call may cost, sats. */
  budgetSats: number;
  /** The server's version, as the MCP handshake reports it. */
  version: string;
  /** Where the server's log lines go (never stdout: the stdio transport owns it); default: none. */
  log?: (line: string) => void;
  /** Least ms between two progress notifications while an RLM runs (when the client asked for them); default 5000. */
  progressIntervalMs?: number;
}

/** The options with their defaults applied, as the tools read them. */
export interface ToolSettings extends Omit<McpServerOptions, "model" | "version"> {
  model: string;
}
