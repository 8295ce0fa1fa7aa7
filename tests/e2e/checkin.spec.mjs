// Issue 20, the check-in on a phone: nothing is chosen for the person, an answer can be taken
// back to "not answered" (a walk found that choice drawn off the screen), and opening another day
// shows that day's own answers, never the ones on screen (a walk saved one day's over another's).
import { test, expect } from './plain.mjs';

test.use({ viewport: { width: 390, height: 844 } });

function daysAgo(n) {
  return new Date(Date.now() - n * 86_400_000).toISOString().slice(0, 10);
}

test('an answer can be taken back, and another day opens with its own answers', async ({ page }, testInfo) => {
  await page.goto('/signup');
  await page.fill('#email', `checkin-${Date.now()}@example.org`);
  await page.fill('#display_name', 'Robin');
  await page.fill('#password', 'a long and quiet river');
  await page.fill('#confirm', 'a long and quiet river');
  await page.selectOption('#time_zone', 'UTC');
  await page.getByRole('button', { name: 'Create account' }).click();

  await page.goto('/checkin');
  await expect(page.locator('input[name="s_dizziness"]:checked')).toHaveValue('');
  await page.check('input[name="s_dizziness"][value="1"]');
  // "not answered" is on the screen, where a thumb can reach it, and takes the answer back.
  const back = page.locator('#dizziness label', { hasText: 'not answered' });
  await back.scrollIntoViewIfNeeded();
  const box = await back.boundingBox();
  expect(box.x, 'drawn on the page, not off its left edge').toBeGreaterThanOrEqual(0);
  expect(box.x + box.width).toBeLessThanOrEqual(390);
  await back.click();
  await expect(page.locator('input[name="s_dizziness"]:checked')).toHaveValue('');
  await page.check('input[name="s_shocks"][value="3"]');
  await page.fill('#wellbeing', '4');
  await page.getByRole('button', { name: 'Save check-in' }).click();
  await expect(page.getByText('Saved.')).toBeVisible();
  await page.screenshot({ path: testInfo.outputPath('1-saved-390.png'), fullPage: true });
  await expect(page.locator('input[name="s_shocks"][value="3"]')).toBeChecked();
  await expect(page.locator('input[name="s_dizziness"]:checked')).toHaveValue('');

  // Yesterday, opened from the day chooser: nothing of today's answers comes with it.
  await page.fill('#day', daysAgo(1));
  await page.getByRole('button', { name: 'Open this day' }).click();
  await expect(page.locator('input[name="s_shocks"]:checked')).toHaveValue('');
  await expect(page.locator('#wellbeing')).toHaveValue('');
});
