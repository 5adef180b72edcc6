/**
 * The MCP tests' set-up: the SDK's own Client connected to createMcpServer over the SDK's in-memory
 * transport pair, a SCRIPTED RLM service (scripted-rlm-service.ts) behind it, one REPL pool per test file.
 */
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { InMemoryTransport } from "@modelcontextprotocol/sdk/inMemory.js";
import { type CallToolResult, ListRootsRequestSchema } from "@modelcontextprotocol/sdk/types.js";
import { SandboxPool } from "@pylon/rlm";
import { Cleanup, tempDir } from "@pylon/testkit";
import { createMcpServer, type McpServerOptions } from "../src/index.js";
import { type ScriptedRlmService, scriptedRlmService } from "./scripted-rlm-service.js";

export interface Connected {
  client: Client;
  service: ScriptedRlmService;
  /** Log lines the server wrote (stderr in `pylon mcp`). */
  log: string[];
}

export interface ConnectOptions extends Partial<Omit<McpServerOptions, "service">> {
  override?: Parameters<typeof scriptedRlmService>[0]["override"];
  /** The client offers the roots capability and lists these file:// URIs. */
  clientRoots?: string[];
}

export class McpHarness {
  readonly cleanup = new Cleanup();
  private pool: SandboxPool | undefined;

  dir(prefix = "pylon-mcp-"): Promise<string> {
    return tempDir(this.cleanup, prefix);
  }

  async connect(options: ConnectOptions = {}): Promise<Connected> {
    this.pool ??= this.cleanup.use(new SandboxPool({ cellTimeoutMs: 20_000 }), (pool) => pool.close());
    const { override, clientRoots, ...rest } = options;
    const service = scriptedRlmService({
      sandboxes: this.pool,
      dir: await this.dir("pylon-mcp-receipts-"),
      ...(override ? { override } : {}),
    });
    const log: string[] = [];
    const server = createMcpServer({
      service,
      roots: [],
      budgetSats: 50,
      version: "0.0.0-test",
      log: (line) => log.push(line),
      ...rest,
    });
    const client = new Client(
      { name: "pylon-mcp-test", version: "0.0.0" },
      clientRoots ? { capabilities: { roots: { listChanged: true } } } : {},
    );
    if (clientRoots)
      client.setRequestHandler(ListRootsRequestSchema, () => ({
        roots: clientRoots.map((uri) => ({ uri, name: uri })),
      }));
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    await client.connect(clientSide);
    this.cleanup.add(async () => {
      await client.close();
      await server.close();
    });
    return { client, service, log };
  }
}

/** The text of a tool result's content items, joined. */
export function textOf(result: unknown): string {
  return ((result as CallToolResult).content ?? [])
    .map((item) => (item.type === "text" ? item.text : `[${item.type}]`))
    .join("\n");
}
