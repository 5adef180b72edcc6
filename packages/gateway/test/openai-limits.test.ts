// Budgets, concurrency, the service's failures and abusive bodies, with the official `openai` client (and raw
// sockets) over real HTTP, in front of a SCRIPTED model service.
import { readFile, stat, writeFile } from "node:fs/promises";
import { connect } from "node:net";
import { Cleanup, tempDir, waitFor } from "@pylon/testkit";
import OpenAI, { type APIError } from "openai";
import { afterEach, describe, expect, it } from "vitest";
import { ServiceError } from "../src/index.js";
import { errorOf, startScripted, TOKEN } from "./helpers/start.js";

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const ask = (content: string) => [{ role: "user" as const, content }];
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (e: unknown) => e as APIError,
  );

describe("budgets and limits over a SCRIPTED service", () => {
  it("keeps today's spend in the ledger across a restart and answers 402 when the day's budget is spent", async () => {
    const ledgerFile = `${await tempDir(cleanup)}/state/ledger.json`;
    const first = await startScripted(cleanup, {
      budgets: { perRequestSats: 100, perDaySats: 3, ledgerFile },
    });
    // "echo: abcdefghij" is four scripted tokens at 0.5 sats: 2 sats of the day's 3.
    const paid = await first.client.chat.completions.create({ model: "rlm", messages: ask("abcdefghij") });
    const cost = (paid as unknown as { pylon: { cost_sats: number } }).pylon.cost_sats;
    expect(cost).toBe(2);
    expect(first.service.requests[0]!.budgetSats).toBe(3);
    // The next answer costs as much, more than the 1 sat left: the service refuses it, the client gets 402.
    const refused = await failure(
      first.client.chat.completions.create({ model: "rlm", messages: ask("abcdefghij") }),
    );
    expect(first.service.requests[1]!.budgetSats).toBe(1);
    expect(refused).toBeInstanceOf(OpenAI.APIError);
    expect(refused).toMatchObject({ status: 402, type: "insufficient_quota", code: "insufficient_quota" });
    await first.server.close();

    expect(JSON.parse(await readFile(ledgerFile, "utf8"))).toEqual({
      day: new Date().toISOString().slice(0, 10),
      spentSats: cost,
    });
    expect((await stat(ledgerFile)).mode & 0o777).toBe(0o600);

    // Restarted with a day budget of 2: the 2 sats already spent leave nothing; refused before the service.
    const second = await startScripted(cleanup, {
      budgets: { perRequestSats: 100, perDaySats: 2, ledgerFile },
    });
    const spent = await failure(second.client.chat.completions.create({ model: "rlm", messages: ask("hi") }));
    expect(spent).toMatchObject({ status: 402, code: "insufficient_quota" });
    expect(spent!.message).toContain("00:00 UTC");
    expect(second.service.requests).toHaveLength(0);
  });

  it("holds a running request's allowance: a request that finds the rest of the day held gets 429, not 402", async () => {
    const { client, service } = await startScripted(cleanup, {
      budgets: { perRequestSats: 60, perDaySats: 100 },
      scripted: { tokenLatencyMs: 20 },
    });
    const slow = client.chat.completions.create({ model: "rlm", messages: ask("w".repeat(120)) });
    await waitFor(() => service.requests.length === 1, "the first request to run", 5_000);
    const second = client.chat.completions.create({ model: "rlm", messages: ask("v".repeat(60)) });
    await waitFor(() => service.requests.length === 2, "the second request to run", 5_000);
    expect(service.requests.map((r) => r.budgetSats)).toEqual([60, 40]);
    const third = await failure(client.chat.completions.create({ model: "rlm", messages: ask("hi") }));
    expect(third).toBeInstanceOf(OpenAI.RateLimitError);
    expect(third!.message).toContain("held by running requests");
    expect(service.requests).toHaveLength(2);
    const [first] = await Promise.all([slow, second]);
    // "echo: " + 120 characters is 32 scripted tokens, 16 sats; the second's 66 characters 17, 8.5 sats.
    expect((first as unknown as { pylon: { cost_sats: number } }).pylon.cost_sats).toBe(16);
    await client.chat.completions.create({ model: "rlm", messages: ask("hi") });
    expect(service.requests[2]!.budgetSats).toBe(60); // 75.5 left, the per-request 60 is the lower
  });

  it("refuses to start over a ledger it cannot read, rather than forget the day's spend", async () => {
    const ledgerFile = `${await tempDir(cleanup)}/ledger.json`;
    await writeFile(ledgerFile, "{ not json");
    await expect(
      startScripted(cleanup, { budgets: { perRequestSats: 1, perDaySats: 1, ledgerFile } }),
    ).rejects.toThrow(`budget ledger ${ledgerFile} is not a {day, spentSats} JSON object`);
  });

  it("adds what a failed request cost when the service reports it", async () => {
    const fail = () =>
      Object.assign(new ServiceError("market", "the provider vanished mid-job"), { costSats: 1.5 });
    const { client, ledgerFile, server, lines } = await startScripted(cleanup, { scripted: { fail } });
    const error = await failure(client.chat.completions.create({ model: "rlm", messages: ask("hi") }));
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect(error!.status).toBe(502);
    await server.close();
    expect(JSON.parse(await readFile(ledgerFile, "utf8")).spentSats).toBe(1.5);
    expect(lines).toEqual([expect.objectContaining({ status: 502, costSats: 1.5 })]);
  });

  it("maps the service's failures to OpenAI's statuses, and hides a bug's details behind a generic 500", async () => {
    const errors: Record<string, Error> = {
      busy: new ServiceError("busy", "every provider is busy"),
      market: new ServiceError("market", "no provider answered"),
      timeout: new ServiceError("timeout", "out of time after 60 s"),
      bad: new ServiceError("bad-request", "rlm needs a user message"),
      bug: new TypeError("secret internals exploded"),
    };
    const { client, lines } = await startScripted(cleanup, {
      scripted: { fail: (request) => errors[request.messages[0]!.content] },
    });
    const statusOf = async (which: string) =>
      failure(client.chat.completions.create({ model: "rlm", messages: ask(which) }));

    const busy = await statusOf("busy");
    expect(busy).toBeInstanceOf(OpenAI.RateLimitError);
    expect(busy).toMatchObject({ status: 429, code: "rate_limit_exceeded" });
    expect(busy!.headers?.get("retry-after")).toMatch(/^\d+$/);
    expect(await statusOf("market")).toMatchObject({
      status: 502,
      message: expect.stringContaining("no provider"),
    });
    expect(await statusOf("timeout")).toMatchObject({ status: 504, code: "timeout" });
    expect(await statusOf("bad")).toBeInstanceOf(OpenAI.BadRequestError);
    const bug = await statusOf("bug");
    expect(bug).toMatchObject({ status: 500, type: "server_error" });
    expect(bug!.message).not.toContain("secret");
    expect(lines.at(-1)!.error).toContain("secret internals exploded");
  });

  it("answers 429 with retry-after when maxConcurrent requests are running", async () => {
    const { client, service } = await startScripted(cleanup, {
      maxConcurrent: 1,
      scripted: { tokenLatencyMs: 20 },
    });
    const slow = client.chat.completions.create({ model: "rlm", messages: ask("y".repeat(200)) });
    await waitFor(() => service.requests.length === 1, "the first request to run", 5_000);
    const second = await failure(client.chat.completions.create({ model: "rlm", messages: ask("me too") }));
    expect(second).toBeInstanceOf(OpenAI.RateLimitError);
    expect(second!.headers?.get("retry-after")).toBe("1");
    expect((await slow).choices[0]!.message.content).toBe(`echo: ${"y".repeat(200)}`);
    await client.chat.completions.create({ model: "rlm", messages: ask("now there is room") });
  });

  it("answers 413 to a body over the limit and 408 to one that never finishes, and keeps serving", async () => {
    const { client, server } = await startScripted(cleanup, { maxBodyBytes: 4096, bodyTimeoutMs: 300 });
    const huge = await fetch(`${server.baseURL}/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ model: "rlm", messages: ask("z".repeat(10_000)) }),
    });
    expect(huge.status).toBe(413);
    expect((await errorOf(huge)).code).toBe("request_too_large");

    // A client that announces 1000 bytes, sends 10 and stalls gets 408 and its connection closed.
    const { port } = new URL(server.url);
    const socket = connect(Number(port), "127.0.0.1");
    cleanup.add(() => socket.destroy());
    const reply = new Promise<string>((resolve) => {
      let text = "";
      socket.on("data", (data) => {
        text += data.toString();
      });
      socket.on("close", () => resolve(text));
    });
    socket.write(
      `POST /v1/chat/completions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${TOKEN}\r\n` +
        'content-type: application/json\r\ncontent-length: 1000\r\n\r\n{"model":',
    );
    const text = await reply;
    expect(text).toMatch(/^HTTP\/1\.1 408 /);
    expect(text).toContain('"code":"request_timeout"');

    const fine = await client.chat.completions.create({ model: "rlm", messages: ask("ok") });
    expect(fine.choices[0]!.message.content).toBe("echo: ok");
  });
});
