import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { type Browser, chromium, type Locator, type Page } from 'playwright-core';

/** Debian's chromium (`apt-get install chromium`): no browser can be downloaded here, and none needs to be. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Where each browser suite leaves its screenshot; the README's come from here. */
export const SCREENSHOT_DIR = path.resolve(__dirname, '../../../.run/screenshots');

/**
 * A headless chromium for one suite. Background networking is off: this machine has no way out,
 * and chromium would otherwise keep trying (and failing) to reach Google's services.
 */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'],
  });
}

/** A page, and the script errors it raises: each suite expects none. */
export async function newPage(browser: Browser): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  return { page, errors };
}

export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const file = path.join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/** The given data-* attribute of every element the locator finds, in document order. */
export async function attributesOf(locator: Locator, attribute: string): Promise<(string | null)[]> {
  return Promise.all((await locator.all()).map((element) => element.getAttribute(attribute)));
}

/**
 * A browser and a page for the suite it is called in: launched before its tests, closed after.
 * `page` and `errors` are read inside the tests, once the browser is up.
 */
export function browserPerSuite(): { readonly page: Page; readonly errors: string[] } {
  let browser: Browser | undefined;
  let opened: { page: Page; errors: string[] } | undefined;
  beforeAll(async () => {
    browser = await launchBrowser();
    opened = await newPage(browser);
  });
  afterAll(() => browser?.close());
  return {
    get page() {
      if (!opened) throw new Error('the browser is opened before the suite\'s tests, not while it is declared');
      return opened.page;
    },
    get errors() {
      return opened?.errors ?? [];
    },
  };
}
