/** A server over the SCRIPTED service, an `openai` client for it, and everything closed at cleanup. */

import { type Cleanup, tempDir } from "@pylon/testkit";
import OpenAI from "openai";
import { type OpenAIServerOptions, type RunningOpenAIServer, startOpenAIServer } from "../../src/index.js";
import { type ScriptedService, type ScriptedServiceOptions, scriptedService } from "./scripted-service.js";

export const TOKEN = "pylon-test-token-0123456789abcdef";

export interface Started {
  server: RunningOpenAIServer;
  service: ScriptedService;
  client: OpenAI;
  lines: Parameters<NonNullable<OpenAIServerOptions["onRequest"]>>[0][];
  ledgerFile: string;
}

export async function startScripted(
  cleanup: Cleanup,
  options: Partial<OpenAIServerOptions> & { scripted?: ScriptedServiceOptions } = {},
): Promise<Started> {
  const service = options.scripted ? scriptedService(options.scripted) : scriptedService();
  cleanup.add(() => service.close());
  const ledgerFile = options.budgets?.ledgerFile ?? `${await tempDir(cleanup, "pylon-gateway-")}/ledger.json`;
  const lines: Started["lines"] = [];
  const server = await startOpenAIServer({
    port: 0,
    token: TOKEN,
    ...options,
    service: options.service ?? service,
    budgets: { perRequestSats: 100, perDaySats: 1000, ...options.budgets, ledgerFile },
    onRequest: (line) => lines.push(line),
  });
  cleanup.add(() => server.close());
  const client = new OpenAI({ baseURL: server.baseURL, apiKey: TOKEN, maxRetries: 0, timeout: 20_000 });
  return { server, service, client, lines, ledgerFile };
}

/** The `error` object of an error reply read with fetch. */
export async function errorOf(
  res: Response,
): Promise<{ message: string; type: string; param: string | null; code: string | null }> {
  return ((await res.json()) as { error: Awaited<ReturnType<typeof errorOf>> }).error;
}
