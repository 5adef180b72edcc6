/** The `market_models` tool: the market's live models and the RLM entries, as `GET /v1/models` lists them. */
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { z } from "zod";
import type { ModelEntry } from "../service.js";
import type { ToolSettings } from "./options.js";
import { toolError } from "./tool-error.js";

const modelSchema = z.object({
  id: z.string().describe("market/<name> (one paid job to the best provider), rlm, or rlm/<root>."),
  ownedBy: z.string(),
  created: z.number().describe("Unix seconds: first seen on the market, or when the service started."),
  providers: z.number().optional().describe("Live providers serving it now."),
  priceMsatsPer1kOutput: z
    .number()
    .optional()
    .describe("The cheapest live provider's price, msats per 1,000 output tokens."),
  streaming: z.boolean().optional().describe("Some of its providers stream their answers."),
});

export function registerMarketModels(server: McpServer, settings: ToolSettings): void {
  server.registerTool(
    "market_models",
    {
      title: "List the Pylon market's models",
      description:
        "List the models on the Pylon compute market now: market/<name> models with their live providers, " +
        "cheapest price (msats per 1,000 output tokens) and whether they stream, and the rlm entries that " +
        `rlm_query runs (it uses ${settings.model}).`,
      outputSchema: { models: z.array(modelSchema) },
      annotations: { readOnlyHint: true, openWorldHint: true },
    },
    async (extra) => {
      try {
        const models = await settings.service.models(extra.signal);
        return {
          content: [
            { type: "text", text: models.length > 0 ? models.map(modelLine).join("\n") : "no models" },
          ],
          structuredContent: { models: models.map(plain) },
        };
      } catch (error) {
        return toolError("market_models", error, settings.log);
      }
    },
  );
}

/** `market/tiny: 3 providers, 120 msats per 1k output tokens, streams`. */
function modelLine(model: ModelEntry): string {
  const facts: string[] = [];
  if (model.providers !== undefined)
    facts.push(`${model.providers} provider${model.providers === 1 ? "" : "s"}`);
  if (model.priceMsatsPer1kOutput !== undefined)
    facts.push(`${model.priceMsatsPer1kOutput} msats per 1k output tokens`);
  if (model.streaming) facts.push("streams");
  return facts.length > 0 ? `${model.id}: ${facts.join(", ")}` : model.id;
}

/** Only the schema's fields (a service may carry more). */
function plain(model: ModelEntry): z.infer<typeof modelSchema> {
  return {
    id: model.id,
    ownedBy: model.ownedBy,
    created: model.created,
    ...(model.providers !== undefined ? { providers: model.providers } : {}),
    ...(model.priceMsatsPer1kOutput !== undefined
      ? { priceMsatsPer1kOutput: model.priceMsatsPer1kOutput }
      : {}),
    ...(model.streaming !== undefined ? { streaming: model.streaming } : {}),
  };
}
