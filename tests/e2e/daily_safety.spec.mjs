// Issue 11's optional daily question in a real browser at phone width: off until the person
// switches it on under Account; a "yes" in the check-in shows crisis help for their chosen
// country at once, above the form, with who was (not) alerted. A screenshot is kept.
import { test, expect } from './plain.mjs';

const KEYS = ['dizziness', 'shocks', 'nausea', 'headache', 'aches', 'tremor', 'sweating', 'tingling',
  'anxiety', 'low_mood', 'irritability', 'mood_swings', 'concentration', 'fog', 'unreal', 'insomnia', 'dreams'];

// A person living in Ireland signs up.
async function signUpInIreland(page, email, name) {
  await page.goto('/signup');
  await page.fill('#email', email);
  await page.fill('#display_name', name);
  await page.fill('#password', 'a long and quiet river');
  await page.fill('#confirm', 'a long and quiet river');
  await page.check('input[name="role"][value="person"]');
  await page.selectOption('#time_zone', 'Europe/Dublin');
  await page.selectOption('#country', 'IE');
  await page.getByRole('button', { name: 'Create account' }).click();
}

test('a person asks to be asked each day, answers yes, and sees help at once', async ({ page }, testInfo) => {
  await signUpInIreland(page, `daily-${Date.now()}@example.org`, 'Robin');

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

// Issue 19 (N1): a PHQ-9 answered after the session lapsed is saved for the person the form was
// shown to — in a real browser, which says the form came from this site — with help first.
test('a PHQ-9 sent after the session lapsed is saved for its person, help first', async ({ page, context }, testInfo) => {
  const email = `lapsed-${Date.now()}@example.org`;
  await signUpInIreland(page, email, 'Kit');

  await page.goto('/questionnaires/phq9');
  for (let n = 1; n <= 9; n++) {
    await page.check(`input[name="item${n}"][value="${n === 9 ? 2 : 1}"]`);
  }
  // The session lapses while the form is open: the browser no longer has it.
  await context.clearCookies({ name: 'taper' });
  await page.getByRole('button', { name: 'Save' }).click();

  const help = page.locator('section.crisis-now');
  await expect(help).toBeVisible();
  await expect(help.locator('h3').first()).toHaveText('Ireland');
  await expect(page.locator('#lapsed')).toContainText('Your whole PHQ-9 was saved too');
  await page.screenshot({ path: testInfo.outputPath('lapsed-phq9.png'), fullPage: true });

  // Signed in again, the questionnaire is there.
  await page.getByRole('link', { name: 'Sign in to carry on' }).click();
  await page.fill('#email', email);
  await page.fill('#password', 'a long and quiet river');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.goto('/questionnaires');
  await expect(page.locator('main')).toContainText('PHQ-9');
  await expect(page.locator('main')).toContainText('10');
});
