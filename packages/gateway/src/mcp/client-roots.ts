/**
 * The client's MCP roots, when it offers the roots capability: asked on every call (they may change), as
 * real paths. They only narrow the configured roots (roots.ts). A client that offers the capability but fails
 * to answer is logged and not taken into account: the configured roots still hold.
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js";
import type { ServerNotification, ServerRequest } from "@modelcontextprotocol/sdk/types.js";
import { clientRootPaths } from "./roots.js";

const ROOTS_TIMEOUT_MS = 10_000;

export async function clientRoots(
  server: McpServer,
  extra: RequestHandlerExtra<ServerRequest, ServerNotification>,
  log?: (line: string) => void,
): Promise<string[] | undefined> {
  if (!server.server.getClientCapabilities()?.roots) return undefined;
  try {
    const { roots } = await server.server.listRoots(undefined, {
      signal: extra.signal,
      timeout: ROOTS_TIMEOUT_MS,
    });
    return await clientRootPaths(roots.map((root) => root.uri));
  } catch (error) {
    log?.(
      `the client's roots could not be read (${(error as Error).message}); the allowed folders alone apply`,
    );
    return undefined;
  }
}
