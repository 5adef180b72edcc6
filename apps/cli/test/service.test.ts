import { existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { servicePlatform } from "../src/service/index.js";
import { CliHarness } from "./run-cli.js";

const harness = new CliHarness();
afterEach(() => harness.cleanup.run());

const ENTRY = fileURLToPath(new URL("../dist/main.js", import.meta.url));
const UNIT = [".config", "systemd", "user", "pylon-node.service"];
const PLIST = ["Library", "LaunchAgents", "org.pylon.node.plist"];

/** A temp HOME with a PYLON_HOME inside and a model file the config check accepts. */
async function setUp() {
  const home = await harness.home("pylon-cli-service-");
  const pylonHome = join(home, "pylon");
  const model = join(home, "models", "tiny model.gguf");
  mkdirSync(join(home, "models"));
  writeFileSync(model, "GGUF");
  const env = { HOME: home, PYLON_HOME: pylonHome };
  const pylon = (args: string[], extraEnv: Record<string, string> = {}) =>
    harness.run(["node", ...args], { env: { ...env, ...extraEnv } });
  const nodeFlags = ["--model", model, "--relay", "ws://127.0.0.1:1", "--free", "--slots", "2"];
  return { home, pylonHome, model, pylon, nodeFlags, log: join(pylonHome, "logs", "node.log") };
}

/** The command line a service runs: node, the CLI entry, `node`, then the test's flags in `pylon node`'s order. */
function nodeCommand(model: string, ...extra: string[]): string[] {
  return [
    process.execPath,
    ENTRY,
    "node",
    "--relay",
    "ws://127.0.0.1:1",
    "--model",
    model,
    "--slots",
    "2",
    "--free",
    ...extra,
  ];
}

describe("pylon node install-service --print", () => {
  it("shows a systemd user unit that runs the node with absolute paths, the given flags and env, writing nothing", async () => {
    const { home, pylonHome, model, pylon, nodeFlags, log } = await setUp();
    const printed = await pylon(
      ["install-service", "--print", "--platform", "linux", ...nodeFlags, "--name", 'a "b" $c 5%'],
      { PYLON_MAX_TOKENS: "99", PYLON_ABOUT: 'say "hi"' },
    );
    expect(printed.code, printed.stderr).toBe(0);
    const lines = printed.stdout.split("\n");
    const execStart = lines.find((line) => line.startsWith("ExecStart="));
    expect(unitWords(execStart!.slice("ExecStart=".length))).toEqual(
      nodeCommand(model, "--name", 'a "b" $c 5%'),
    );
    expect(execStart).toContain('"a \\"b\\" $$c 5%%"'); // systemd would expand $c and %-specifiers
    expect(lines).toEqual(
      expect.arrayContaining([
        "[Unit]",
        "After=network-online.target",
        "[Service]",
        `Environment="PYLON_HOME=${pylonHome}"`,
        'Environment="PYLON_ABOUT=say \\"hi\\""',
        'Environment="PYLON_MAX_TOKENS=99"',
        "Restart=on-failure",
        "RestartSec=5",
        `StandardOutput=append:${log}`,
        `StandardError=append:${log}`,
        "[Install]",
        "WantedBy=default.target",
      ]),
    );
    expect(existsSync(join(home, ".config"))).toBe(false);
    expect(existsSync(join(pylonHome, "logs"))).toBe(false);
  });

  it("shows a well-formed launchd plist with escaped values, restart on failure and logs in the data dir", async () => {
    const { home, pylonHome, model, pylon, nodeFlags, log } = await setUp();
    const printed = await pylon([
      "install-service",
      "--print",
      "--platform",
      "darwin",
      ...nodeFlags,
      "--about",
      "fast & <cheap>",
    ]);
    expect(printed.code, printed.stderr).toBe(0);
    const plist = printed.stdout;
    expectWellFormedXml(plist);
    expect(plist).toContain("<key>Label</key>\n  <string>org.pylon.node</string>");
    expect(arrayStrings(plist, "ProgramArguments")).toEqual(nodeCommand(model, "--about", "fast & <cheap>"));
    expect(plist).toContain(`<key>PYLON_HOME</key>\n    <string>${pylonHome}</string>`);
    expect(plist).toContain("<key>RunAtLoad</key>\n  <true/>");
    expect(plist).toMatch(
      /<key>KeepAlive<\/key>\s*<dict>\s*<key>SuccessfulExit<\/key>\s*<false\/>\s*<\/dict>/,
    );
    expect(plist).toContain(`<key>StandardOutPath</key>\n  <string>${log}</string>`);
    expect(plist).toContain(`<key>StandardErrorPath</key>\n  <string>${log}</string>`);
    expect(existsSync(join(home, "Library"))).toBe(false);
  });
});

describe("pylon node install-service / uninstall-service", () => {
  it("writes the systemd unit where systemd looks, refuses to overwrite a different one, and uninstall removes it", async () => {
    const { home, pylon, nodeFlags, log } = await setUp();
    const file = join(home, ...UNIT);
    const printed = await pylon(["install-service", "--print", "--platform", "linux", ...nodeFlags]);
    const installed = await pylon(["install-service", "--platform", "linux", ...nodeFlags]);
    expect(installed.code, installed.stderr).toBe(0);
    expect(readFileSync(file, "utf8")).toBe(printed.stdout);
    expect(statSync(file).mode & 0o777).toBe(0o644);
    expect(statSync(join(log, "..")).isDirectory()).toBe(true);
    expect(installed.stdout).toContain(`wrote systemd user unit ${file}`);
    expect(installed.stdout).toContain(
      "systemctl --user daemon-reload && systemctl --user enable --now pylon-node",
    );

    const again = await pylon(["install-service", "--platform", "linux", ...nodeFlags]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain("unchanged");

    const different = await pylon(["install-service", "--platform", "linux", ...nodeFlags, "--slots", "8"]);
    expect(different.code).toBe(1);
    expect(different.stderr).toContain(`${file} already exists and differs; pass --force`);
    expect(readFileSync(file, "utf8")).toBe(printed.stdout);
    const forced = await pylon([
      "install-service",
      "--platform",
      "linux",
      "--force",
      ...nodeFlags,
      "--slots",
      "8",
    ]);
    expect(forced.code, forced.stderr).toBe(0);
    expect(readFileSync(file, "utf8")).toContain('"--slots" "8"');

    // What `systemctl --user enable` would have linked goes too, so nothing dangles.
    const wants = join(home, ".config", "systemd", "user", "default.target.wants");
    mkdirSync(wants);
    symlinkSync(file, join(wants, "pylon-node.service"));
    const removed = await pylon(["uninstall-service", "--platform", "linux"]);
    expect(removed.code, removed.stderr).toBe(0);
    expect(existsSync(file)).toBe(false);
    expect(existsSync(join(wants, "pylon-node.service"))).toBe(false);
    expect(removed.stdout).toContain("systemctl --user stop pylon-node");

    const none = await pylon(["uninstall-service", "--platform", "linux"]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain(`no node service to remove: ${file} does not exist`);
  });

  it("writes the launchd agent into ~/Library/LaunchAgents, and uninstall removes it", async () => {
    const { home, pylon, nodeFlags } = await setUp();
    const file = join(home, ...PLIST);
    const printed = await pylon(["install-service", "--print", "--platform", "darwin", ...nodeFlags]);
    const installed = await pylon(["install-service", "--platform", "darwin", ...nodeFlags]);
    expect(installed.code, installed.stderr).toBe(0);
    expect(readFileSync(file, "utf8")).toBe(printed.stdout);
    expect(statSync(file).mode & 0o777).toBe(0o644);
    expect(installed.stdout).toContain(`launchctl bootstrap gui/$(id -u) ${file}`);

    const removed = await pylon(["uninstall-service", "--platform", "darwin"]);
    expect(removed.code, removed.stderr).toBe(0);
    expect(existsSync(file)).toBe(false);
    expect(removed.stdout).toContain("launchctl bootout gui/$(id -u)/org.pylon.node");
  });

  it("installs nothing for a node that could not start: no model, a missing model file", async () => {
    const { home, pylonHome, pylon } = await setUp();
    const noModel = await pylon(["install-service", "--platform", "linux", "--relay", "ws://127.0.0.1:1"]);
    expect(noModel.code).toBe(1);
    expect(noModel.stderr).toContain("model: required");

    const missing = join(home, "none.gguf");
    const noFile = await pylon([
      "install-service",
      "--platform",
      "darwin",
      "--relay",
      "ws://127.0.0.1:1",
      "--model",
      missing,
    ]);
    expect(noFile.code).toBe(1);
    expect(noFile.stderr).toContain(`model file not found: ${missing}`);

    expect(existsSync(join(home, ".config"))).toBe(false);
    expect(existsSync(join(home, "Library"))).toBe(false);
    expect(existsSync(join(pylonHome, "logs"))).toBe(false);
  });

  it("names the supported platforms when this one has no service manager it knows", () => {
    expect(servicePlatform("linux", "win32")).toBe("linux");
    expect(() => servicePlatform(undefined, "win32")).toThrow(
      'cannot install a node service on platform "win32": supported are darwin (launchd) and linux (systemd)',
    );
  });
});

/** The words of a unit file command line, unquoted the way systemd does for our double-quoted words. */
function unitWords(line: string): string[] {
  return [...line.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map(([, word]) =>
    word!.replace(/\\(.)/g, "$1").replace(/%%/g, "%").replace(/\$\$/g, "$"),
  );
}

/** Every tag closes in order, and text holds no raw `<` or bare `&` (plutil-free well-formedness). */
function expectWellFormedXml(xml: string): void {
  expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE plist')).toBe(true);
  const body = xml.replace(/^<\?xml[^>]*\?>\s*<!DOCTYPE[^>]*>/, "");
  const open: string[] = [];
  for (const [tag, closing, name, selfClosing] of body.matchAll(/<(\/?)([A-Za-z]+)[^<>]*?(\/?)>|[<>]/g)) {
    expect(name, `stray ${tag}`).toBeDefined();
    if (selfClosing) continue;
    if (closing) expect(open.pop()).toBe(name);
    else open.push(name!);
  }
  expect(open).toEqual([]);
  expect(body).not.toMatch(/&(?!(amp|lt|gt|quot|apos);)/);
}

/** The <string>s of a plist's top-level array under `key`, unescaped. */
function arrayStrings(plist: string, key: string): string[] {
  const array = plist.match(new RegExp(`<key>${key}</key>\\s*<array>([\\s\\S]*?)</array>`))?.[1] ?? "";
  return [...array.matchAll(/<string>([^<]*)<\/string>/g)].map(([, text]) =>
    text!
      .replace(/&lt;/g, "<")
      .replace(/&gt;/g, ">")
      .replace(/&quot;/g, '"')
      .replace(/&apos;/g, "'")
      .replace(/&amp;/g, "&"),
  );
}
