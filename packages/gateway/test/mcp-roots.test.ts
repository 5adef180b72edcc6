/**
 * rlm_query reads files only inside the allowed roots (symlinks followed, `..` resolved), and inside the
 * client's MCP roots when it offers them; a refused call names the path and the roots and never reaches
 * the (SCRIPTED) service.
 */
import { mkdir, realpath, symlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { McpHarness, textOf } from "./mcp-harness.js";

const harness = new McpHarness();
afterAll(() => harness.cleanup.run());

/** An allowed root holding notes.txt, and a folder outside it holding secret.txt. */
async function folders(): Promise<{ root: string; outside: string }> {
  // Real paths: the messages name paths with symlinks followed (macOS's temp dir is one).
  const root = await realpath(await harness.dir("pylon-mcp-root-"));
  const outside = await realpath(await harness.dir("pylon-mcp-outside-"));
  await writeFile(path.join(root, "notes.txt"), "The meeting is on Tuesday.");
  await writeFile(path.join(outside, "secret.txt"), "The secret is 42.");
  return { root, outside };
}

async function ask(paths: string[], options: Parameters<McpHarness["connect"]>[0]) {
  const { client, service } = await harness.connect(options);
  const result = await client.callTool({ name: "rlm_query", arguments: { question: "What day?", paths } });
  return { result, text: textOf(result), service };
}

describe("rlm_query's file access, over a SCRIPTED RLM service", () => {
  it("refuses a path outside the roots, naming it and the allowed folders", async () => {
    const { root, outside } = await folders();
    const secret = path.join(outside, "secret.txt");
    const { result, text, service } = await ask([path.join(root, "notes.txt"), secret], { roots: [root] });
    expect(result.isError).toBe(true);
    expect(text).toBe(`${secret} is outside the allowed folders (${root}); nothing was read`);
    expect(service.requests).toHaveLength(0);
  });

  it("refuses a symlink inside a root that leads out of it", async () => {
    const { root, outside } = await folders();
    const secret = path.join(outside, "secret.txt");
    await symlink(secret, path.join(root, "link.txt"));
    await symlink(outside, path.join(root, "linked-folder"));
    const escapes = [
      ["link.txt", secret],
      ["linked-folder", outside],
      ["linked-folder/secret.txt", secret],
    ] as const;
    for (const [name, real] of escapes) {
      const given = path.join(root, name);
      const { result, text, service } = await ask([given], { roots: [root] });
      expect(result.isError).toBe(true);
      expect(text).toBe(`${given} (${real}) is outside the allowed folders (${root}); nothing was read`);
      expect(service.requests).toHaveLength(0);
    }
    // The whole root is read without following the links inside it.
    const { result, service } = await ask([root], { roots: [root] });
    expect(result.isError).toBeFalsy();
    expect(service.requests[0]!.context).toEqual(["The meeting is on Tuesday."]);
  });

  it("refuses `..` out of a root, and a missing file outside one without saying whether it exists", async () => {
    const { root, outside } = await folders();
    const given = `${root}/../${path.basename(outside)}/secret.txt`;
    const { text, service } = await ask([given], { roots: [root] });
    expect(text).toBe(
      `${given} (${path.join(outside, "secret.txt")}) is outside the allowed folders (${root}); nothing was read`,
    );
    expect(service.requests).toHaveLength(0);
    const missing = path.join(outside, "no-such.txt");
    expect((await ask([missing], { roots: [root] })).text).toBe(
      `${missing} is outside the allowed folders (${root}); nothing was read`,
    );
  });

  it("with no folder allowed, refuses every path and says how to allow one", async () => {
    const { root } = await folders();
    const { result, text, service } = await ask([path.join(root, "notes.txt")], { roots: [] });
    expect(result.isError).toBe(true);
    expect(text).toContain("start pylon mcp with --allow <dir>");
    expect(service.requests).toHaveLength(0);
  });

  it("names a missing file inside a root as missing", async () => {
    const { root } = await folders();
    const { text, service } = await ask([path.join(root, "gone.txt")], { roots: [root] });
    expect(text).toBe(`cannot read ${path.join(root, "gone.txt")}: no such file or folder`);
    expect(service.requests).toHaveLength(0);
  });

  it("the client's roots narrow the allowed folders but never widen them", async () => {
    const { root, outside } = await folders();
    const project = path.join(root, "project");
    await mkdir(project);
    await writeFile(path.join(project, "plan.txt"), "Ship on Tuesday.");
    const clientRoots = [pathToFileURL(project).href, pathToFileURL(outside).href];

    const narrowed = await ask([path.join(root, "notes.txt")], { roots: [root], clientRoots });
    expect(narrowed.text).toContain("is outside the client's roots");
    expect(narrowed.service.requests).toHaveLength(0);

    const widened = await ask([path.join(outside, "secret.txt")], { roots: [root], clientRoots });
    expect(widened.text).toContain("is outside the allowed folders");
    expect(widened.service.requests).toHaveLength(0);

    const inside = await ask([path.join(project, "plan.txt")], { roots: [root], clientRoots });
    expect(inside.result.isError, inside.text).toBeFalsy();
    expect(inside.service.requests[0]!.context).toBe("Ship on Tuesday.");
  });
});
