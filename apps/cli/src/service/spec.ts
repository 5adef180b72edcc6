/** What a service manager needs to run the node: one description, rendered per platform. */
export interface ServiceSpec {
  /** Absolute argv: the node binary, the pylon entry script, "node", then the node's flags. */
  argv: readonly string[];
  /** Environment the node runs with (PYLON_HOME and the PYLON_* variables in effect at install). */
  env: Readonly<Record<string, string>>;
  /** Absolute; the node's data dir, so nothing depends on where install-service was run. */
  workingDirectory: string;
  /** Absolute; stdout and stderr are appended here. */
  logFile: string;
}

/** Operating systems with a service manager we write files for. */
export const SERVICE_PLATFORMS = ["darwin", "linux"] as const;
export type ServicePlatform = (typeof SERVICE_PLATFORMS)[number];

/** Characters no service file can carry in a value (XML 1.0 and unit files both choke on them). */
export function assertPrintable(value: string, what: string): void {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(value))
    throw new Error(`${what} ${JSON.stringify(value)} holds a control character a service file cannot carry`);
}
