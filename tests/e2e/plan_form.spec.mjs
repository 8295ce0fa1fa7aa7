// Issue 10 in a real browser, at phone width: a clonazepam plan of 0.5 mg from scored 0.5 mg tablets
// has no step (half a tablet is a 50 % cut) and cannot be saved; with "my pharmacy can compound" it reaches zero and is saved.
import { test, expect } from './plain.mjs';

test('clonazepam reaches zero when the pharmacy can compound; a plan with no step is not saved', async ({ page }, testInfo) => {
  const shot = (name) => page.screenshot({ path: testInfo.outputPath(`${name}.png`), fullPage: true });
  await page.goto('/signup');
  await page.fill('#email', `forms-${Date.now()}@example.org`);
  await page.fill('#display_name', 'Ana');
  await page.fill('#password', 'a long and quiet river');
  await page.fill('#confirm', 'a long and quiet river');
  await page.selectOption('#time_zone', 'UTC');
  await page.getByRole('button', { name: 'Create account' }).click();

  await page.goto('/plan/new');
  await page.selectOption('#drug-choice', 'clonazepam');
  // The form offers the products of the country chosen at sign-up first (the browser's
  // language chose it here); these products are sold elsewhere, so every country's are asked for.
  await page.selectOption('#market', '');
  await page.getByRole('button', { name: 'Choose' }).click();
  await page.fill('#dose', '0.5');
  await page.check('input[name="products"][value="clonazepam-tab-0.5mg"]');
  await page.check('input[name="strategy"][value="proportional"]');
  await page.fill('#step', '10');
  await page.getByRole('button', { name: 'Preview the plan' }).click();
  await expect(page.locator('#no-steps')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Save this plan' })).toHaveCount(0);
  await expect(page.getByText('would make this step possible').first()).toBeVisible();
  await shot('1-no-step');

  await page.getByRole('button', { name: 'Change it' }).click();
  await page.locator('#more-ways summary').click();
  await page.fill('#compounded', '0.001');
  await page.getByRole('button', { name: 'Preview the plan' }).click();
  await expect(page.getByText(/steps to zero/)).toBeVisible();
  await shot('2-compounded-preview');
  await page.getByRole('button', { name: 'Save this plan' }).click();
  await expect(page).toHaveURL(/\/today/);
  await expect(page.locator('.instruction')).toContainText('1 × 0.5 mg tablet');
  await page.goto('/plan');
  await expect(page.getByText('a compounded dose of').first()).toBeVisible();
  await shot('3-plan');
});
