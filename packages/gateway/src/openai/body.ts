/**
 * Reading a JSON request body without letting one client hurt the server: a size cap (413 as soon as it is
 * passed, without buffering the rest) and a deadline for the whole body (408), so a client that sends a few
 * bytes a minute holds a socket for seconds, not forever.
 */
import type { IncomingMessage } from "node:http";
import { HttpError, invalidRequest } from "./errors.js";

export interface BodyLimits {
  maxBytes: number;
  timeoutMs: number;
}

export async function readJsonBody(req: IncomingMessage, limits: BodyLimits): Promise<unknown> {
  // The body is parsed as JSON whatever its Content-Type claims (curl -d sends form-urlencoded).
  const declared = Number(req.headers["content-length"] ?? Number.NaN);
  if (declared > limits.maxBytes) throw tooLarge(limits.maxBytes);
  const text = await readText(req, limits);
  if (text.trim() === "") throw invalidRequest("The request body is empty: send the request as JSON.");
  try {
    return JSON.parse(text);
  } catch (error) {
    throw invalidRequest(
      `We could not parse the JSON body of your request (${(error as Error).message}). ` +
        "Send the request body as JSON.",
    );
  }
}

function readText(req: IncomingMessage, limits: BodyLimits): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (error?: HttpError) => {
      clearTimeout(timer);
      req.off("data", onData).off("end", onEnd).off("error", onError).off("aborted", onAborted);
      if (error) {
        // Stop reading; the reply goes out and the connection is closed after it (see server.ts).
        req.pause();
        reject(error);
      } else resolve(Buffer.concat(chunks, size).toString("utf8"));
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > limits.maxBytes) finish(tooLarge(limits.maxBytes));
      else chunks.push(chunk);
    };
    const onEnd = () => finish();
    const onError = () =>
      finish(new HttpError(400, "The request body could not be read.", "invalid_request_error"));
    const onAborted = onError;
    const timer = setTimeout(
      () =>
        finish(
          new HttpError(
            408,
            `The request body did not arrive within ${limits.timeoutMs} ms.`,
            "invalid_request_error",
            "request_timeout",
          ),
        ),
      limits.timeoutMs,
    );
    req.on("data", onData).on("end", onEnd).on("error", onError).on("aborted", onAborted);
  });
}

const tooLarge = (maxBytes: number) =>
  new HttpError(
    413,
    `The request body is larger than ${Math.round(maxBytes / 1024 / 1024)} MiB.`,
    "invalid_request_error",
    "request_too_large",
  );
