// Issue 3's journey in a real browser: sign up, make a citalopram plan, a week and more of
// check-ins with a rise after a step, the chart and a hold proposal, accept it, see the new
// revision. Screenshots go to this test's output folder.
import { test, expect } from './plain.mjs';

const KEYS = ['dizziness', 'shocks', 'nausea', 'headache', 'aches', 'tremor', 'sweating', 'tingling',
  'anxiety', 'low_mood', 'irritability', 'mood_swings', 'concentration', 'fog', 'unreal', 'insomnia', 'dreams'];

// The person chooses UTC at sign-up, so their days are UTC days.
function daysAgo(n) {
  const d = new Date(Date.now() - n * 86_400_000);
  return d.toISOString().slice(0, 10);
}

async function checkIn(page, date, raised) {
  // A day is opened first, so its own answers are shown (a walk saved one day's over another's).
  await page.goto(`/checkin?date=${date}`);
  for (let i = 0; i < KEYS.length; i++) {
    const value = i < raised.count ? raised.level : '0';
    await page.check(`input[name="s_${KEYS[i]}"][value="${value}"]`);
  }
  await page.fill('#wellbeing', raised.count > 2 ? '4' : '7');
  await page.fill('#sleep_hours', '7');
  await page.getByRole('button', { name: 'Save check-in' }).click();
  await expect(page.getByText('Saved. To change it later, open the day from the list below.')).toBeVisible();
}

test('a person plans a taper, checks in, and accepts a hold after a rise', async ({ page }, testInfo) => {
  const shot = (name) => page.screenshot({ path: testInfo.outputPath(`${name}.png`), fullPage: true });
  const email = `e2e-${Date.now()}@example.org`;

  await page.goto('/');
  await expect(page.getByRole('link', { name: 'Need help now?' })).toBeVisible();
  await page.getByRole('link', { name: 'Create an account' }).first().click();
  await page.fill('#email', email);
  await page.fill('#display_name', 'Sam');
  await page.fill('#password', 'a long and quiet river');
  await page.fill('#confirm', 'a long and quiet river');
  await page.selectOption('#time_zone', 'UTC');
  await page.getByRole('button', { name: 'Create account' }).click();

  // The plan form: first the drug, then the details.
  await expect(page).toHaveURL(/\/plan\/new/);
  await page.selectOption('#drug-choice', 'citalopram');
  // The form offers the products of the country chosen at sign-up first (the browser's
  // language chose it here); these products are sold elsewhere, so every country's are asked for.
  await page.selectOption('#market', '');
  await page.getByRole('button', { name: 'Choose' }).click();
  await page.fill('#dose', 'twenty');
  await page.getByRole('button', { name: 'Preview the plan' }).click();
  await expect(page.locator('p.error', { hasText: 'Enter your current daily dose in mg' })).toBeVisible();
  await expect(page.locator('#dose')).toHaveValue('twenty');
  await page.fill('#dose', '20');
  await page.check('input[name="products"][value="citalopram-tab-20mg"]');
  await page.check('input[name="products"][value="citalopram-oral-drops-40mg-ml"]');
  await page.check('input[name="dose_as"][value="tablets"]');
  await page.check('input[name="strategy"][value="hyperbolic"]');
  await page.fill('#step', '10');
  await page.fill('#every', '14');
  await page.fill('#start_date', daysAgo(17));
  await page.getByRole('button', { name: 'Preview the plan' }).click();
  // A first day in the past that makes today the first cut is asked about, not taken silently.
  await expect(page.locator('p.error', { hasText: 'the dose today would already be' })).toBeVisible();
  await page.check('input[name="confirm_past_start"]');
  await page.getByRole('button', { name: 'Preview the plan' }).click();
  await expect(page.getByRole('heading', { name: 'Preview: Citalopram' })).toBeVisible();
  await expect(page.locator('figure.chart svg')).toBeVisible();
  await shot('1-preview');
  await page.getByRole('button', { name: 'Save this plan' }).click();

  // Today: the dose after the first step (3 days ago) and how to prepare it.
  await expect(page).toHaveURL(/\/today/);
  await expect(page.locator('#today-dose')).toHaveText('10 mg');
  await expect(page.locator('p.hint', { hasText: 'Counted as 12.5 mg of tablets' })).toBeVisible();
  await expect(page.locator('.instruction')).toContainText('5 drops of the oral drops 40 mg/mL');
  // Clinical review D1: the step began a new way of measuring (drops instead of tablets), so
  // Today asks the person to confirm they have read it before the dose counts as taken.
  await expect(page.locator('#new-way')).toContainText('A new way to prepare your dose');
  await page.getByRole('button', { name: 'I took it' }).click();
  await expect(page.getByText('Not recorded yet')).toBeVisible();
  await page.check('input[name="read_new_way"]');
  await page.getByRole('button', { name: 'I took it' }).click();
  await expect(page.getByText(/Recorded: taken \(marked at \d\d:\d\d\)/)).toBeVisible();
  await shot('2-today');

  // Seven quiet days before the step, then four raised days after it.
  for (let d = 10; d >= 4; d--) await checkIn(page, daysAgo(d), { count: 2, level: '1' });
  for (let d = 3; d >= 0; d--) await checkIn(page, daysAgo(d), { count: 7, level: '1' });

  await page.getByRole('link', { name: 'Progress' }).click();
  await expect(page.locator('#summary')).toContainText('1 wave');
  await expect(page.locator('figure.chart svg')).toBeVisible();
  const proposal = page.locator('article.proposal');
  await expect(proposal.getByRole('heading', { name: 'Consider holding at 12.5 mg' })).toBeVisible();
  await expect(proposal).toContainText('Dose changed on');
  await expect(proposal).toContainText('Horowitz MA, Taylor D');
  await shot('3-progress-with-proposal');

  await proposal.getByRole('button', { name: 'Accept: change my plan' }).click();
  await expect(page.getByText('Done: your plan has a new revision.')).toBeVisible();
  await expect(page.locator('ol.revisions li').first()).toContainText('Revision 2');
  await expect(page.locator('ol.revisions li').first()).toContainText('Hold at 12.5 mg');
  await page.getByRole('link', { name: 'Today' }).click();
  await expect(page.getByText('You are holding at this dose')).toBeVisible();
  await page.getByRole('link', { name: 'Plan', exact: true }).click();
  await expect(page.getByText('Revision 1')).toBeVisible();
  await expect(page.getByText('Revision 2')).toBeVisible();
  await shot('4-plan-with-revisions');

  // The keyboard reaches the crisis link first after "skip to content".
  await page.goto('/today');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  await expect(page.locator(':focus')).toHaveText('Need help now?');
});
