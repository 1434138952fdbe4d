import { join } from "node:path";
import { createRequire } from "node:module";
import type { BrowserContext, Page } from "playwright-core";

const axePath = createRequire(import.meta.url).resolve("axe-core/axe.min.js");

/** A phone (an iPhone 14's CSS width) and a laptop. */
export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 900 };

/** What a page did wrong while it was open: console errors, failed requests, answers of 400 and above. */
export interface PageProblems {
  list: string[];
  /** Forgets what was seen so far (after a step that fails on purpose). */
  clear(): void;
}

/**
 * A page that records its problems. Every request counts: a script, a style,
 * a prefetch or an API call that fails is a defect the person may not see.
 */
export async function watchedPage(context: BrowserContext, viewport = DESKTOP): Promise<{ page: Page; problems: PageProblems }> {
  const page = await context.newPage();
  await page.setViewportSize(viewport);
  const list: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") list.push(`console: ${message.text()}`);
  });
  page.on("pageerror", (error) => list.push(`page error: ${error.message}`));
  page.on("requestfailed", (request) => {
    // Next.js cancels its own prefetch of a link that scrolls out of view (axe scrolls to measure
    // contrast): a cancellation by the client, not a failure. An RSC answer of 400 and above is still caught below.
    const cancelledPrefetch = request.failure()?.errorText === "net::ERR_ABORTED" && new URL(request.url()).searchParams.has("_rsc");
    if (!cancelledPrefetch) list.push(`failed: ${request.method()} ${request.url()} (${request.failure()?.errorText})`);
  });
  page.on("response", (response) => {
    if (response.status() >= 400) list.push(`HTTP ${response.status()}: ${response.request().method()} ${response.url()}`);
  });
  return { page, problems: { list, clear: () => void list.splice(0) } };
}

/**
 * Waits until the page is quiet: loaded, hydrated, its prefetches done (a
 * navigation before then would abort them, which is the test's doing, not a
 * failure of the page).
 */
export async function settle(page: Page): Promise<void> {
  await page.waitForLoadState("networkidle");
}

/** How much wider than the screen the document is (0: no sideways scrolling). */
export async function overflowWidth(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
}

/** What scrolls the page sideways, to name it in a failure: the widest elements that stick out. */
export async function widestElements(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const limit = window.innerWidth;
    return [...document.querySelectorAll("body *")]
      .map((element) => ({ element, right: element.getBoundingClientRect().right }))
      .filter(({ right }) => right > limit + 1)
      .sort((a, b) => b.right - a.right)
      .slice(0, 5)
      .map(({ element, right }) => `${element.tagName.toLowerCase()}${element.id ? `#${element.id}` : ""}.${[...element.classList].join(".")} → ${Math.round(right)} px`);
  });
}

export interface AxeViolation {
  id: string;
  impact: string;
  help: string;
  nodes: string[];
}

/** axe-core's serious and critical findings on the page as it is now (WCAG 2.1 A and AA rules). */
export async function seriousAccessibilityViolations(page: Page): Promise<AxeViolation[]> {
  if (!(await page.evaluate(() => "axe" in window))) await page.addScriptTag({ path: axePath });
  const violations = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(context: Document, options: object): Promise<{ violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[] }> } }).axe;
    const result = await axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } });
    return result.violations.map((violation) => ({ id: violation.id, impact: violation.impact, help: violation.help, nodes: violation.nodes.map((node) => node.target.join(" ")) }));
  });
  return violations.filter((violation) => violation.impact === "serious" || violation.impact === "critical");
}

/**
 * The checks every page must pass, at the viewport it is open in: nothing
 * wider than the screen, no serious or critical accessibility finding, and no
 * console error or failed request since the page was opened (or cleared).
 */
export async function pageHealth(page: Page, problems: PageProblems): Promise<{ overflow: number; widest: string[]; violations: AxeViolation[]; problems: string[] }> {
  await settle(page);
  const overflow = await overflowWidth(page);
  return {
    overflow,
    widest: overflow > 0 ? await widestElements(page) : [],
    violations: await seriousAccessibilityViolations(page),
    problems: [...problems.list],
  };
}

/** `npm run screenshots` sets this: pages as the tests leave them, for docs/screenshots. */
const SCREENSHOTS_DIR = process.env.SCREENSHOTS_DIR;

/** Saves the page as `<name>-<phone|desktop>.png` when screenshots were asked for: the whole page, up to a length worth reading. */
export async function saveScreenshot(page: Page, name: string | undefined): Promise<void> {
  if (!SCREENSHOTS_DIR || !name) return;
  const viewport = page.viewportSize() ?? DESKTOP;
  const height = Math.min(await page.evaluate(() => document.documentElement.scrollHeight), 1800);
  const width = viewport.width <= PHONE.width ? "phone" : "desktop";
  await page.screenshot({ path: join(SCREENSHOTS_DIR, `${name}-${width}.png`), fullPage: true, clip: { x: 0, y: 0, width: viewport.width, height } });
}

/**
 * Opens `url` at a phone's width and a laptop's and returns what the checks
 * of every page found at each ({phone, desktop}, each as pageHealth says),
 * saving screenshots named `screenshot` when they were asked for.
 */
export async function healthAtBothWidths(page: Page, problems: PageProblems, url: string, screenshot?: string): Promise<Record<"phone" | "desktop", unknown>> {
  const found: Record<string, unknown> = {};
  for (const [name, viewport] of [
    ["phone", PHONE],
    ["desktop", DESKTOP],
  ] as const) {
    await page.setViewportSize(viewport);
    // A new width shows other links, whose prefetches the next navigation would cut short.
    await settle(page);
    problems.clear();
    await page.goto(url);
    found[name] = await pageHealth(page, problems);
    await saveScreenshot(page, screenshot);
  }
  return found as Record<"phone" | "desktop", unknown>;
}
