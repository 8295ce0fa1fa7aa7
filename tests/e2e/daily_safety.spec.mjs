// Issue 11's optional daily question in a real browser at phone width: off until the person
// switches it on under Account; a "yes" in the check-in shows crisis help for their chosen
// country at once, above the form, with who was (not) alerted. A screenshot is kept.
import { test, expect } from './plain.mjs';

const KEYS = ['dizziness', 'shocks', 'nausea', 'headache', 'aches', 'tremor', 'sweating', 'tingling',
  'anxiety', 'low_mood', 'irritability', 'mood_swings', 'concentration', 'fog', 'unreal', 'insomnia', 'dreams'];

test('a person asks to be asked each day, answers yes, and sees help at once', async ({ page }, testInfo) => {
  await page.goto('/signup');
  await page.fill('#email', `daily-${Date.now()}@example.org`);
  await page.fill('#display_name', 'Robin');
  await page.fill('#password', 'a long and quiet river');
  await page.fill('#confirm', 'a long and quiet river');
  await page.check('input[name="role"][value="person"]');
  await page.selectOption('#time_zone', 'Europe/Dublin');
  await page.selectOption('#country', 'IE');
  await page.getByRole('button', { name: 'Create account' }).click();

  await page.goto('/checkin');
  await expect(page.locator('#selfharm')).toHaveCount(0);

  await page.goto('/account');
  await expect(page.getByText('They are told that you answered yes and on which day')).toBeVisible();
  await page.check('input[name="daily_safety"][value="on"]');
  await page.getByRole('button', { name: 'Save' }).nth(2).click();

  await page.goto('/checkin');
  for (const k of KEYS) {
    await page.check(`input[name="s_${k}"][value="1"]`);
  }
  await page.fill('#wellbeing', '3');
  await page.check('input[name="selfharm"][value="1"]');
  await page.getByRole('button', { name: 'Save check-in' }).click();

  const help = page.locator('section.crisis-now');
  await expect(help).toBeVisible();
  await expect(help.locator('h3').first()).toHaveText('Ireland');
  await expect(help.locator('a[href="https://findahelpline.com/"]')).toBeVisible();
  await expect(page.locator('#alerted')).toContainText('No one has been alerted');
  await page.screenshot({ path: testInfo.outputPath('daily-safety-help.png'), fullPage: true });
});
