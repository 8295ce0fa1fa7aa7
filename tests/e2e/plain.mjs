// Every page a test visits is read as a person reads it (innerText) and must show no
// command-line flag and no catalogue product id (issue 10): the web app speaks in words.
import { test as base, expect } from '@playwright/test';
import { execFileSync } from 'node:child_process';

const bin = process.env.TAPER_BIN || '../../target/debug/taper';
const ids = JSON.parse(execFileSync(bin, ['drugs', '--format', 'json'])).flatMap((d) => d.products.map((p) => p.id));

export const test = base.extend({
  page: async ({ page }, use) => {
    const seen = [];
    page.on('load', async () => {
      try {
        seen.push({ url: page.url(), text: await page.evaluate(() => document.body.innerText) });
      } catch {
        // The page moved on before it could be read; the next load is read instead.
      }
    });
    await use(page);
    expect(seen.length, 'pages were read').toBeGreaterThan(2);
    for (const { url, text } of seen) {
      expect(text, `a command-line flag on ${url}`).not.toMatch(/(^|\s)--[a-z]/);
      for (const id of ids) expect(text.includes(id), `product id ${id} on ${url}`).toBe(false);
    }
  },
});
export { expect };
