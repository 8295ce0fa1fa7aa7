// Issue 4's journey in a real browser, with two people in two browser contexts: a person
// invites a clinician, the clinician signs up and accepts, the person answers PHQ-9 with
// item 9 = 1 and sees crisis help at once (phone-width viewport, their chosen country first), the clinician's caseload shows the urgent flag first,
// the clinician resolves it with a note, the person revokes access, and the clinician can no
// longer read the record.
import { test, expect } from './plain.mjs';

async function signUp(page, { email, name, role, country = '' }) {
  await page.goto('/signup');
  await page.fill('#email', email);
  await page.fill('#display_name', name);
  await page.fill('#password', 'a long and quiet river');
  await page.fill('#confirm', 'a long and quiet river');
  await page.check(`input[name="role"][value="${role}"]`);
  await page.selectOption('#time_zone', 'Europe/London');
  await page.selectOption('#country', country);
  await page.getByRole('button', { name: 'Create account' }).click();
}

test('a therapist and a person share, route an item-9 answer, resolve it and stop sharing', async ({ browser }, testInfo) => {
  const stamp = Date.now();
  const person = await (await browser.newContext()).newPage();
  const clinician = await (await browser.newContext()).newPage();
  const shot = (page, name) => page.screenshot({ path: testInfo.outputPath(`${name}.png`), fullPage: true });

  // Another person shares too, with no urgent flag: the urgent one must come first.
  const calm = await (await browser.newContext()).newPage();
  await signUp(calm, { email: `calm-${stamp}@example.org`, name: 'Casey', role: 'person' });

  // Sam lives in Germany though the clock says London: Germany's help must lead.
  await signUp(person, { email: `sam-${stamp}@example.org`, name: 'Sam', role: 'person', country: 'DE' });
  await person.getByRole('link', { name: 'Sharing' }).click();
  await person.getByRole('button', { name: 'Make an invitation code' }).click();
  const code = (await person.locator('#invite-code').textContent()).trim();
  await shot(person, '1-invitation');

  // Casey keeps her check-in notes to herself: every box starts ticked, she unticks one.
  await calm.goto('/sharing');
  await calm.getByLabel('the notes you write with your check-ins').uncheck();
  await calm.getByRole('button', { name: 'Make an invitation code' }).click();
  await expect(calm.locator('#pending-invites')).toContainText('questionnaires');
  await expect(calm.locator('#pending-invites')).not.toContainText('check-in notes');
  const calmCode = (await calm.locator('#invite-code').textContent()).trim();

  await signUp(clinician, { email: `dr-${stamp}@example.org`, name: 'Dr Lee', role: 'clinician' });
  await expect(clinician).toHaveURL(/\/caseload/);
  for (const c of [calmCode, code]) {
    await clinician.getByRole('link', { name: 'Add a person' }).click();
    await clinician.fill('#code', c);
    await clinician.getByRole('button', { name: 'Accept' }).click();
  }
  await expect(clinician.getByRole('heading', { name: 'Sam' })).toBeVisible();

  // Sam has a plan (citalopram 20 mg tablets), which the clinician reads below.
  await person.goto('/plan/new');
  await person.selectOption('#drug-choice', 'citalopram');
  await person.selectOption('#market', '');
  await person.getByRole('button', { name: 'Choose' }).click();
  await person.fill('#dose', '20');
  await person.check('input[name="products"][value="citalopram-tab-20mg"]');
  await person.check('input[name="products"][value="citalopram-oral-drops-40mg-ml"]');
  await person.check('input[name="dose_as"][value="tablets"]');
  await person.getByRole('button', { name: 'Preview the plan' }).click();
  await person.getByRole('button', { name: 'Save this plan' }).click();
  await expect(person).toHaveURL(/\/today/);

  // The person answers PHQ-9 with item 9 = "Several days".
  await person.getByRole('link', { name: 'Questionnaires' }).click();
  await person.getByRole('link', { name: 'PHQ-9' }).click();
  const answers = [1, 1, 1, 0, 0, 1, 0, 0, 1];
  for (let i = 0; i < 9; i++) {
    await person.check(`input[name="item${i + 1}"][value="${answers[i]}"]`);
  }
  await person.getByRole('button', { name: 'Save' }).click();
  const help = person.locator('section.crisis-now');
  await expect(help).toBeVisible();
  await expect(help.locator('h3').first()).toHaveText('Germany');
  await expect(help.locator('a[href="tel:08001110111"]')).toBeVisible();
  await expect(help.locator('a[href="https://findahelpline.com/"]')).toBeVisible();
  await expect(person.locator('#score')).toHaveText('5 of 27');
  await shot(person, '2-crisis-help');

  // The clinician's caseload: the urgent flag, and Sam before Casey.
  await clinician.getByRole('link', { name: 'Caseload' }).click();
  const cases = clinician.locator('section.case h2');
  await expect(cases.first()).toHaveText('Sam');
  await expect(cases.nth(1)).toHaveText('Casey');
  await expect(clinician.locator('section.case').first().locator('li.flag').first()).toContainText('urgent: PHQ-9 item 9 answered above zero');
  await shot(clinician, '3-caseload');

  await clinician.getByRole('link', { name: 'Sam' }).click();
  // Sam's plan as the clinician reads it on a phone: every step says how the dose is prepared
  // (a walk: the phone layout hid that column of the clinician's copy).
  await clinician.locator('details.shared-plan summary').first().click();
  const prepare = clinician.locator('details.shared-plan td[data-label="How to prepare it"]');
  await expect(prepare.first()).toBeVisible();
  await expect(prepare.first()).toContainText('20 mg');
  const flag = clinician.locator('article.flag.urgent');
  await expect(flag).toContainText('Several days');
  await expect(clinician.locator('figure.chart svg')).toBeVisible();
  await flag.getByLabel('What you did').fill('Phoned Sam the same day; safety plan reviewed together.');
  await flag.getByRole('button', { name: 'Resolve it for me' }).click();
  await expect(clinician.getByText('Flag resolved; your note is kept with it.')).toBeVisible();
  await expect(clinician.locator('article.flag.urgent')).toHaveCount(0);
  await expect(clinician.getByText('Phoned Sam the same day')).toBeVisible();
  await shot(clinician, '4-resolved');
  const recordUrl = clinician.url();

  // The person sees who looked, then stops sharing.
  await person.getByRole('link', { name: 'Sharing' }).click();
  await expect(person.locator('#access-log')).toContainText('Dr Lee');
  await expect(person.locator('#access-log')).toContainText('viewed your record');
  await person.getByRole('button', { name: 'Stop sharing with Dr Lee' }).click();
  await expect(person.getByText('Sharing stopped.')).toBeVisible();
  await shot(person, '5-revoked');

  const gone = await clinician.goto(recordUrl);
  expect(gone.status()).toBe(404);
  await clinician.goto('/caseload');
  await expect(clinician.locator('section.case h2')).toHaveText(['Casey']);
});
