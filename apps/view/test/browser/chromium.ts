/**
 * Real Chromium for the browser tests: Debian's /usr/bin/chromium driven by playwright-core, headless, with
 * the background-networking flags (without them Chromium tries to reach Google and is refused). Playwright
 * gives every launch a fresh temporary profile. Missing locally, the suites are skipped with a message; in CI
 * (`CI=true`) a missing browser fails them instead, since .ci/run installs it.
 */
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";
import { describe, it } from "vitest";

export const CHROMIUM = "/usr/bin/chromium";

const ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** A describe() that needs Chromium: skipped with a reason when it is missing, failed when that is CI. */
export function browserSuite(name: string, body: () => void): void {
  if (existsSync(CHROMIUM)) {
    describe(name, body);
    return;
  }
  const why = `${CHROMIUM} is missing (install Debian's chromium: apt-get install chromium)`;
  if (process.env.CI === "true") {
    describe(name, () => {
      it("needs Chromium", () => {
        throw new Error(`${why}; CI must run the browser tests`);
      });
    });
    return;
  }
  console.warn(`skipping "${name}": ${why}`);
  describe.skip(name, body);
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ARGS, timeout: 30_000 });
}

/**
 * A page that records what went wrong in it: uncaught errors and console errors (a CSP violation, such as an
 * inline script or a CDN fetch, shows up here), so a test can assert there were none.
 */
export async function newPage(
  browser: Browser,
  options: { dark?: boolean; width?: number; height?: number } = {},
): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({
    viewport: { width: options.width ?? 1400, height: options.height ?? 900 },
    colorScheme: options.dark ? "dark" : "light",
  });
  page.setDefaultTimeout(10_000);
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console error: ${message.text()}`);
  });
  return { page, problems };
}

const IMAGES = fileURLToPath(new URL("../../../../docs/images/", import.meta.url));

/** Writes the page's screenshot to docs/images/view-<name>.png, where the README shows it. */
export async function screenshot(page: Page, name: string, fullPage = false): Promise<string> {
  await mkdir(IMAGES, { recursive: true });
  const path = `${IMAGES}view-${name}.png`;
  // From the top, so the sticky header sits where it belongs in a full-page picture.
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path, fullPage, animations: "disabled" });
  return path;
}
