/** Where each platform's service file lives, how it is rendered, and the commands that (un)load it. */
import { join } from "node:path";
import { LAUNCHD_LABEL, renderLaunchdPlist } from "./launchd.js";
import { SERVICE_PLATFORMS, type ServicePlatform, type ServiceSpec } from "./spec.js";
import { renderSystemdUnit, SYSTEMD_UNIT } from "./systemd.js";

export interface ServiceTarget {
  /** "launchd agent" or "systemd user unit", for messages. */
  kind: string;
  /** Absolute path of the service file. */
  file: string;
  render: (spec: ServiceSpec) => string;
  /** Shell commands that start the installed service now and at every login. */
  loadCommand: string;
  /** Shell commands that stop it; they work after the file is gone. */
  unloadCommand: string;
  /** Files the service manager made when enabling it, removed with the service file (absolute). */
  enablementLinks: string[];
}

/** The platform asked for, else this machine's; a clear error for one without a supported manager. */
export function servicePlatform(
  requested: string | undefined,
  current: string = process.platform,
): ServicePlatform {
  const platform = requested ?? current;
  if ((SERVICE_PLATFORMS as readonly string[]).includes(platform)) return platform as ServicePlatform;
  throw new Error(
    `cannot install a node service on platform "${platform}": supported are darwin (launchd) and linux (systemd); pass --platform to choose one`,
  );
}

export function serviceTarget(platform: ServicePlatform, home: string): ServiceTarget {
  if (platform === "darwin") {
    const file = join(home, "Library", "LaunchAgents", `${LAUNCHD_LABEL}.plist`);
    return {
      kind: "launchd agent",
      file,
      render: renderLaunchdPlist,
      loadCommand: `launchctl bootstrap gui/$(id -u) ${shellWord(file)}`,
      unloadCommand: `launchctl bootout gui/$(id -u)/${LAUNCHD_LABEL}`,
      enablementLinks: [],
    };
  }
  const dir = join(home, ".config", "systemd", "user");
  return {
    kind: "systemd user unit",
    file: join(dir, SYSTEMD_UNIT),
    render: renderSystemdUnit,
    loadCommand: "systemctl --user daemon-reload && systemctl --user enable --now pylon-node",
    unloadCommand: "systemctl --user stop pylon-node && systemctl --user daemon-reload",
    // What `systemctl --user enable` links for WantedBy=default.target; left behind it would dangle.
    enablementLinks: [join(dir, "default.target.wants", SYSTEMD_UNIT)],
  };
}

/** A path as one word for a POSIX shell. */
function shellWord(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, "'\\''")}'`;
}
