import { BackendError, type BackendErrorCode } from "../errors.js";

/** Statuses worth another attempt: rate limiting and server-side failures. */
export function isRetryableStatus(status: number): boolean {
  return status === 429 || status === 500 || status === 502 || status === 503 || status === 504;
}

export function codeForStatus(status: number): BackendErrorCode {
  if (status === 401 || status === 403) return "auth";
  if (status === 404) return "model-not-found";
  if (status === 408 || status === 504) return "timeout";
  if (status === 429) return "rate-limited";
  if (status >= 400 && status < 500) return "bad-request";
  return "upstream";
}

/** Builds the error for a non-2xx response, quoting the API's own message when it sent one. */
export async function errorFromResponse(response: Response): Promise<BackendError> {
  const body = await response.text().catch(() => "");
  let detail = body.slice(0, 500);
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown } | string; message?: unknown };
    const message =
      typeof parsed.error === "string"
        ? parsed.error
        : (parsed.error?.message ?? parsed.message ?? undefined);
    if (typeof message === "string") detail = message.slice(0, 500);
  } catch {
    // not JSON: keep the raw text
  }
  const status = `${response.status}${response.statusText ? ` ${response.statusText}` : ""}`;
  return new BackendError(
    codeForStatus(response.status),
    `upstream answered ${status}${detail ? `: ${detail}` : ""}`,
    {
      status: response.status,
    },
  );
}

/** Retry-After in ms (delta-seconds or HTTP date), or undefined when absent or unreadable. */
export function retryAfterMs(response: Response): number | undefined {
  const header = response.headers.get("retry-after");
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
