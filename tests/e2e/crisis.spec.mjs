// A walk on a 390 x 844 phone (2026-12-06): after "Need help now?", the emergency number sat at
// the bottom edge of the first screen and the helpline needed a scroll; "112" was a 32 x 20 px
// link. The person's own country's numbers now come first, each a button a thumb can hit.
import { test, expect } from './plain.mjs';

test.use({ viewport: { width: 390, height: 844 }, hasTouch: true });

test('crisis numbers are on the first phone screen and easy to tap', async ({ page }, testInfo) => {
  await page.goto('/signup');
  await page.fill('#email', `crisis-${Date.now()}@example.org`);
  await page.fill('#display_name', 'Ona');
  await page.fill('#password', 'a long and quiet river');
  await page.fill('#confirm', 'a long and quiet river');
  await page.selectOption('#time_zone', 'UTC');
  await page.selectOption('#country', 'LT');
  await page.getByRole('button', { name: 'Create account' }).click();

  await page.getByRole('link', { name: 'Need help now?' }).first().click();
  await expect(page).toHaveURL(/\/crisis/);
  await page.screenshot({ path: testInfo.outputPath('crisis-phone.png') });
  for (const number of ['112', '116 123']) {
    const call = page.locator('a.call', { hasText: number }).first();
    const box = await call.boundingBox();
    expect(box, number).not.toBeNull();
    // Whole on the first screen, without scrolling.
    expect(box.y + box.height, `${number} bottom`).toBeLessThanOrEqual(844);
    // At least 44 CSS px tall, and on one line (a number never breaks).
    expect(box.height, `${number} height`).toBeGreaterThanOrEqual(44);
    expect(box.height, `${number} one line`).toBeLessThan(70);
  }
  const jaunimo = await page.locator('a.call', { hasText: '0 800 28888' }).first().boundingBox();
  expect(jaunimo.height).toBeLessThan(70);
});
