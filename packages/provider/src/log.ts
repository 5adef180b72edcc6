/** Where the node reports what an operator may want to know. Info is chatty; warn and error are not. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

/** Warnings and errors to stderr, info nowhere: the default for library use. */
export const quietLogger: Logger = {
  info: () => undefined,
  warn: (message) => console.error(`pylon node: ${message}`),
  error: (message) => console.error(`pylon node: ${message}`),
};

/** An event id shortened for log lines. */
export function shortId(id: string): string {
  return id.slice(0, 12);
}

/**
 * An error in one line: its name and message, and where it was thrown (the first stack frame), never the
 * whole stack. Used for failures a peer's data may provoke, so the log stays one line per cause.
 */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const frame = error.stack
    ?.split("\n")
    .find((line) => line.trimStart().startsWith("at "))
    ?.trim()
    .replace(/^at /, "");
  return `${error.name}: ${error.message}${frame ? ` (at ${frame})` : ""}`;
}
