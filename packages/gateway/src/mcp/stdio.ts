/**
 * `pylon mcp`'s transport: the MCP server on this process's stdin and stdout. stdout carries the protocol
 * only; log lines go to stderr. Resolves when the client disconnects (stdin ends or closes), having closed
 * the server, which aborts the calls still running; the caller then closes the service.
 */
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import type { McpServerOptions } from "./options.js";
import { createMcpServer } from "./server.js";

export async function serveMcpOverStdio(options: McpServerOptions): Promise<void> {
  const server = createMcpServer(options);
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    transport.onclose = () => resolve();
  });
  // The SDK's transport does not watch for the end of stdin: the client closing its end is the disconnect.
  const ended = () => void server.close();
  process.stdin.once("end", ended);
  process.stdin.once("close", ended);
  try {
    await server.connect(transport);
    await closed;
  } finally {
    process.stdin.off("end", ended);
    process.stdin.off("close", ended);
  }
}
