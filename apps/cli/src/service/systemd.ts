/** A systemd user unit (Linux): ~/.config/systemd/user/pylon-node.service, enabled with `systemctl --user`. */
import { assertPrintable, type ServiceSpec } from "./spec.js";

export const SYSTEMD_UNIT = "pylon-node.service";

export function renderSystemdUnit(spec: ServiceSpec): string {
  const lines = [
    "[Unit]",
    "Description=Pylon provider node",
    "Wants=network-online.target",
    "After=network-online.target",
    "",
    "[Service]",
    "Type=simple",
    `ExecStart=${spec.argv.map((arg) => quoted(arg, { dollars: true })).join(" ")}`,
    ...Object.entries(spec.env).map(([name, value]) => `Environment=${quoted(`${name}=${value}`)}`),
    `WorkingDirectory=${bare(spec.workingDirectory)}`,
    // Restart after a crash or an error exit, not after `systemctl stop` or a clean exit.
    "Restart=on-failure",
    "RestartSec=5",
    `StandardOutput=append:${bare(spec.logFile)}`,
    `StandardError=append:${bare(spec.logFile)}`,
    "",
    "[Install]",
    "WantedBy=default.target",
  ];
  return `${lines.join("\n")}\n`;
}

/**
 * One word in double quotes: backslash and quote escaped, `%` (specifiers) doubled, and in ExecStart `$`
 * doubled too, since systemd would expand `$NAME` there.
 */
function quoted(value: string, { dollars = false } = {}): string {
  assertPrintable(value, "systemd value");
  let text = value
    .replace(/\\/g, "\\\\")
    .replace(/"/g, '\\"')
    .replace(/\n/g, "\\n")
    .replace(/\r/g, "\\r")
    .replace(/%/g, "%%");
  if (dollars) text = text.replace(/\$/g, "$$$$");
  return `"${text}"`;
}

/** A path that is the whole rest of the line (no quoting there), with specifiers escaped. */
function bare(path: string): string {
  assertPrintable(path, "systemd path");
  if (path.includes("\n")) throw new Error(`systemd path ${JSON.stringify(path)} holds a line break`);
  return path.replace(/%/g, "%%");
}
