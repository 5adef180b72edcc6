/** A failed tool call as the client's model should read it: a result with `isError: true` naming the cause. */
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { ServiceError } from "../service.js";
import { PathRefused } from "./roots.js";

export function toolError(tool: string, error: unknown, log?: (line: string) => void): CallToolResult {
  const text = errorText(tool, error);
  log?.(`${tool}: ${text}`);
  return { content: [{ type: "text", text }], isError: true };
}

function errorText(tool: string, error: unknown): string {
  if (error instanceof PathRefused) return error.message;
  if (error instanceof ServiceError) return `${tool} failed (${error.code}): ${error.message}`;
  // Anything else is a bug or an unreadable file; its message still names the cause.
  return `${tool} failed: ${error instanceof Error ? error.message : String(error)}`;
}
