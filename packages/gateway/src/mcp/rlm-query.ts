/**
 * The `rlm_query` tool: a question plus files, folders or text, answered by an RLM through the ModelService.
 * Anything that goes wrong (a path outside the roots, an unreadable file, the market failing) is a tool
 * result with `isError: true` naming the cause, as the MCP spec asks of tool execution errors, so the client's
 * model can read it and react (the SDK reports malformed arguments the same way, naming each wrong field).
 */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { RequestHandlerExtra } from "@modelcontextprotocol/sdk/shared/protocol.js";
import type { CallToolResult, ServerNotification, ServerRequest } from "@modelcontextprotocol/sdk/types.js";
import { z } from "zod";
import type { Completion } from "../service.js";
import { clientRoots } from "./client-roots.js";
import type { ToolSettings } from "./options.js";
import { progressHeartbeat } from "./progress.js";
import { readContext } from "./read-context.js";
import { confinePaths, NO_ROOTS, PathRefused, realRoots } from "./roots.js";
import { toolError } from "./tool-error.js";

type Extra = RequestHandlerExtra<ServerRequest, ServerNotification>;

const inputSchema = {
  question: z
    .string()
    .trim()
    .min(1)
    .describe("The question to answer, self-contained: the RLM sees only this question and the context."),
  paths: z
    .array(z.string().min(1))
    .optional()
    .describe(
      "Files or folders to read as the context: absolute paths (or ~/…; relative ones are taken from the server's " +
        "working directory), inside the allowed folders. A folder is read as a list of its files (recursively, " +
        "hidden ones skipped), a .jsonl file as a list of its lines, a .json file as its value.",
    ),
  text: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .describe("Text to use as the context, or to add to the files': one string, or a list of documents."),
};

const outputSchema = {
  answer: z.string().describe("The RLM's answer."),
  id: z.string().describe("The request's id; its receipt and log on disk are named by it."),
  model: z.string().describe("The model that answered."),
  finishReason: z.enum(["stop", "length"]).describe("length: the RLM ran out of iterations or tokens."),
  costSats: z.number().describe("What the call cost, sats (fractions: jobs are priced in msats)."),
  usage: z.object({ promptTokens: z.number(), completionTokens: z.number() }),
  receiptFile: z.string().optional().describe("The receipt (JSON) on the server's disk."),
  logFile: z.string().optional().describe("The RLM's trajectory log (JSONL) on the server's disk."),
  context: z.object({ documents: z.number(), chars: z.number() }).describe("What was read as the context."),
  durationMs: z.number(),
};

function description(settings: ToolSettings): string {
  const folders = settings.roots.length > 0 ? settings.roots.join(", ") : "none (only `text` can be given)";
  return (
    "Answer a question over large files, folders or text with a Recursive Language Model (RLM) on the Pylon " +
    "compute market. The RLM keeps the context in a sandboxed Python REPL, looks through it with code and sends " +
    "parts of it to paid sub-calls, so the context may be far larger than your own context window (whole " +
    "folders, long logs, books, datasets). Use it when the material is too large to read yourself or the " +
    "question needs every part of it examined. Costs sats (at most " +
    `${settings.budgetSats} per call); returns the answer with a receipt (cost, tokens, receipt file). ` +
    `Allowed folders: ${folders}.`
  );
}

export function registerRlmQuery(server: McpServer, settings: ToolSettings): void {
  server.registerTool(
    "rlm_query",
    {
      title: "Ask a Recursive Language Model about large files",
      description: description(settings),
      inputSchema,
      outputSchema,
      annotations: { readOnlyHint: true, openWorldHint: true },
    },
    async (args, extra) => {
      try {
        return await runQuery(server, settings, args, extra);
      } catch (error) {
        return toolError("rlm_query", error, settings.log);
      }
    },
  );
}

async function runQuery(
  server: McpServer,
  settings: ToolSettings,
  args: { question: string; paths?: string[] | undefined; text?: string | string[] | undefined },
  extra: Extra,
): Promise<CallToolResult> {
  const started = Date.now();
  const paths = args.paths ?? [];
  if (paths.length === 0 && args.text === undefined)
    throw new PathRefused(
      `rlm_query needs a context: give paths (inside ${settings.roots.join(", ") || "no allowed folder"}) or text`,
    );
  if (paths.length > 0 && settings.roots.length === 0)
    throw new PathRefused(`cannot read ${paths[0]}: ${NO_ROOTS}`);
  const roots = await realRoots(settings.roots);
  const fromClient = await clientRoots(server, extra, settings.log);
  const files = await confinePaths(paths, { roots, ...(fromClient ? { clientRoots: fromClient } : {}) });
  const read = await readContext(files, args.text);
  settings.log?.(
    `rlm_query: ${read.documents} document(s), ${read.chars} chars; asking ${settings.model} (budget ${settings.budgetSats} sats)`,
  );
  const stopProgress = progressHeartbeat(extra, settings.progressIntervalMs);
  let completion: Completion;
  try {
    completion = await settings.service.complete({
      model: settings.model,
      messages: [{ role: "user", content: args.question }],
      context: read.context,
      budgetSats: settings.budgetSats,
      signal: extra.signal,
    });
  } finally {
    stopProgress();
  }
  const durationMs = Date.now() - started;
  const receipt = receiptLine(completion, durationMs);
  settings.log?.(`rlm_query: ${receipt}`);
  return {
    content: [
      { type: "text", text: completion.text },
      { type: "text", text: `Receipt: ${receipt}` },
    ],
    structuredContent: {
      answer: completion.text,
      id: completion.id,
      model: completion.model,
      finishReason: completion.finishReason,
      costSats: completion.costSats,
      usage: { ...completion.usage },
      ...(completion.receiptFile ? { receiptFile: completion.receiptFile } : {}),
      ...(completion.logFile ? { logFile: completion.logFile } : {}),
      context: { documents: read.documents, chars: read.chars },
      durationMs,
    },
  };
}

/** One line: what it cost, in tokens and time, and where the receipt and log are. */
export function receiptLine(completion: Completion, durationMs: number): string {
  const parts = [
    `${completion.model}, ${formatSats(completion.costSats)} sats`,
    `${completion.usage.promptTokens} prompt + ${completion.usage.completionTokens} completion tokens`,
    `${(durationMs / 1000).toFixed(1)} s`,
  ];
  if (completion.finishReason === "length") parts.push("stopped early (iterations or tokens ran out)");
  if (completion.receiptFile) parts.push(`receipt ${completion.receiptFile}`);
  if (completion.logFile) parts.push(`log ${completion.logFile}`);
  return parts.join("; ");
}

function formatSats(sats: number): string {
  return Number.isInteger(sats) ? String(sats) : sats.toFixed(3).replace(/0+$/, "");
}
