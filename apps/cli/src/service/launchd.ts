/** A launchd agent (macOS): a property list in ~/Library/LaunchAgents, loaded with `launchctl bootstrap`. */
import { assertPrintable, type ServiceSpec } from "./spec.js";

export const LAUNCHD_LABEL = "org.pylon.node";

export function renderLaunchdPlist(spec: ServiceSpec): string {
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<plist version="1.0">',
    "<dict>",
    ...key("Label", string(LAUNCHD_LABEL)),
    ...key("ProgramArguments", ["<array>", ...spec.argv.map((arg) => `  ${string(arg)}`), "</array>"]),
    ...key("EnvironmentVariables", [
      "<dict>",
      ...Object.entries(spec.env).flatMap(([name, value]) => [
        `  <key>${xml(name)}</key>`,
        `  ${string(value)}`,
      ]),
      "</dict>",
    ]),
    ...key("WorkingDirectory", string(spec.workingDirectory)),
    ...key("RunAtLoad", "<true/>"),
    // Restart when the node exits with an error; a clean stop (exit 0) stays stopped.
    ...key("KeepAlive", ["<dict>", "  <key>SuccessfulExit</key>", "  <false/>", "</dict>"]),
    ...key("StandardOutPath", string(spec.logFile)),
    ...key("StandardErrorPath", string(spec.logFile)),
    "</dict>",
    "</plist>",
  ];
  return `${lines.join("\n")}\n`;
}

function key(name: string, value: string | string[]): string[] {
  const body = Array.isArray(value) ? value : [value];
  return [`  <key>${name}</key>`, ...body.map((line) => `  ${line}`)];
}

function string(value: string): string {
  assertPrintable(value, "launchd value");
  return `<string>${xml(value)}</string>`;
}

function xml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&apos;");
}
