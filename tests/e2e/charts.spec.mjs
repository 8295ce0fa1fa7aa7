// Issue 20, "charts people read on a phone": at 390 CSS px wide, every word and number in a
// chart is drawn at 12 CSS px or more, measured in Chromium from the SVG as shown (its font size
// times the scale the page draws it at), on the plan preview and on Progress.
import { test, expect } from './plain.mjs';

test.use({ viewport: { width: 390, height: 844 } });

/// The smallest text in each inline chart of the page, in CSS px as drawn.
async function smallestChartText(page) {
  return page.$$eval('figure.chart svg', (svgs) =>
    svgs.map((svg) => {
      const shown = svg.getBoundingClientRect().width;
      const drawn = svg.viewBox.baseVal && svg.viewBox.baseVal.width ? svg.viewBox.baseVal.width : svg.width.baseVal.value;
      const scale = shown / drawn;
      const sizes = [...svg.querySelectorAll('text')]
        .filter((t) => t.textContent.trim() !== '')
        .map((t) => parseFloat(getComputedStyle(t).fontSize) * scale);
      return { count: sizes.length, smallest: Math.min(...sizes), scale };
    }),
  );
}

test('chart text is at least 12 CSS px on a 390 px phone', async ({ page }, testInfo) => {
  const shot = (name) => page.screenshot({ path: testInfo.outputPath(`${name}.png`), fullPage: true });
  await page.goto('/signup');
  await page.fill('#email', `charts-${Date.now()}@example.org`);
  await page.fill('#display_name', 'Robin');
  await page.fill('#password', 'a long and quiet river');
  await page.fill('#confirm', 'a long and quiet river');
  await page.selectOption('#time_zone', 'UTC');
  await page.getByRole('button', { name: 'Create account' }).click();

  await page.goto('/plan/new');
  await page.selectOption('#drug-choice', 'citalopram');
  await page.selectOption('#market', '');
  await page.getByRole('button', { name: 'Choose' }).click();
  await page.fill('#dose', '20');
  await page.check('input[name="products"][value="citalopram-tab-20mg"]');
  await page.check('input[name="products"][value="citalopram-oral-drops-40mg-ml"]');
  await page.check('input[name="dose_as"][value="tablets"]');
  await page.getByRole('button', { name: 'Preview the plan' }).click();
  await expect(page.locator('figure.chart svg')).toBeVisible();
  const preview = await smallestChartText(page);
  expect(preview.length).toBeGreaterThan(0);
  for (const c of preview) {
    expect(c.count, 'the chart has words and numbers').toBeGreaterThan(3);
    expect(c.smallest, `smallest chart text on the preview (scale ${c.scale})`).toBeGreaterThanOrEqual(12);
  }
  await shot('1-preview-390');
  await page.getByRole('button', { name: 'Save this plan' }).click();
  await expect(page).toHaveURL(/\/today/);

  // A check-in, so Progress draws its lines.
  await page.goto('/checkin');
  await page.getByRole('button', { name: /Save/ }).first().click();
  await page.goto('/progress');
  await expect(page.locator('figure.chart svg')).toBeVisible();
  const progress = await smallestChartText(page);
  expect(progress.length).toBeGreaterThan(0);
  for (const c of progress) {
    expect(c.smallest, `smallest chart text on Progress (scale ${c.scale})`).toBeGreaterThanOrEqual(12);
  }
  // Nothing wider than the phone: the page does not scroll sideways.
  const wide = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(wide).toBeLessThanOrEqual(390);
  await shot('2-progress-390');
});
