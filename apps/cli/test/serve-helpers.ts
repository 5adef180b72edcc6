/**
 * Shared by the `pylon serve` tests: starting a serve process on a paid local market, and reading what the
 * official `openai` client raised or streamed.
 */
import OpenAI from "openai";
import { expect } from "vitest";
import type { Cli, CliHarness } from "./run-cli.js";
import type { PaidMarket } from "./run-market.js";

export const SKY = "What colour is the sky today?\n\nGrass is green. The sky is blue today. Snow is white.";

/** Starts `pylon serve` on a free port; resolves once it listens, with its base URL. */
export async function serve(
  harness: CliHarness,
  on: PaidMarket,
  home: string,
  extra: string[],
): Promise<{ cli: Cli; baseURL: string }> {
  const cli = await harness.start(
    [
      "serve",
      "--port",
      "0",
      "--relay",
      on.relay.url,
      "--mint",
      on.mint.url,
      "--providers",
      "2",
      "--no-checks",
      ...extra,
    ],
    { env: { PYLON_HOME: home } },
  );
  const [, baseURL] = (await cli.waitForStderr(
    /listening on (http:\/\/127\.0\.0\.1:\d+\/v1)/,
    30_000,
  )) as unknown as [string, string];
  await cli.waitFor(/export OPENAI_API_KEY=/, 10_000); // stdout may trail stderr
  return { cli, baseURL };
}

/** The error an openai client call rejected with: its status and OpenAI's error object. */
export async function failure(
  call: Promise<unknown>,
): Promise<{ status: number; error: Record<string, unknown> }> {
  const error = await call.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(OpenAI.APIError);
  const api = error as InstanceType<typeof OpenAI.APIError>;
  return { status: api.status ?? 0, error: api.error as Record<string, unknown> };
}

export async function streamed(
  stream: AsyncIterable<OpenAI.Chat.Completions.ChatCompletionChunk>,
): Promise<string> {
  let text = "";
  for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
  return text;
}
