import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { codeIn } from '../support/app.js';
import { createMember, uniquePhone } from '../support/factories.js';
import { jpeg } from '../support/images.js';
import { idIn, logInOnPc, memberBrowser, noChromium, startJourney, t } from '../support/browser.js';
import { setRole } from '../../src/features/moderation/actions.js';

// The PC site in a real browser, as members use it: registering with the code from /dev/sms, a
// profile with a photo, a friend who accepts, a friends-only diary the friend reads and a stranger
// cannot, the footprint it leaves, a community and a topic, a report, and the operators hiding the
// topic from the back office. axe-core runs on every page on the way (SECURITY 48).

test(
  'PC journey › register, profile and photo, befriend, diary, footprint, community, report and hide',
  { skip: noChromium, timeout: 150_000 },
  async (t0) => {
    const { app, browser, checks } = await startJourney(t0, { limits: { loginPerIp: { points: 1000, duration: 60 } } });
    const open = async () => checks.watch((await memberBrowser(browser, app.baseUrl)).page);
    const kenta = await createMember(app.db, { nickname: 'けんた' });
    const stranger = await createMember(app.db, { nickname: 'しらない人' });

    const sakura = await open();
    const phone = uniquePhone();
    let sakuraId = 0;
    await t0.test('registers in three steps, the code read from /dev/sms', async () => {
      await sakura.goto('/');
      await checks.check(sakura);
      await sakura
        .getByRole('link', { name: t('nav.register') })
        .first()
        .click();
      await checks.check(sakura);
      await sakura.getByLabel(t('form.phone')).fill(`0${phone.slice(3)}`);
      await sakura.getByRole('button', { name: t('register.phone.submit') }).click();
      await sakura.waitForURL('**/register/code');
      await checks.check(sakura);

      await app.deliverSms();
      await sakura.goto('/dev/sms');
      const code = codeIn(await sakura.locator('tr', { hasText: phone }).locator('.sms-body').first().innerText());
      await sakura.goto('/register/code');
      await sakura.getByLabel(t('form.code')).fill(code);
      await sakura.getByRole('button', { name: t('register.code.submit') }).click();
      await sakura.waitForURL('**/register/profile');
      await checks.check(sakura);
      await sakura.getByLabel(t('form.nickname')).fill('さくら');
      await sakura.getByLabel(t('form.birthDate')).fill('1996-04-01');
      await sakura.getByLabel(t('form.password'), { exact: true }).fill('sakura-e2e-password-2026');
      await sakura.getByLabel(t('form.agree')).check();
      await sakura.getByRole('button', { name: t('register.profile.submit') }).click();
      await sakura.waitForURL('**/home');
      await checks.check(sakura);
      assert.match(await sakura.locator('main').innerText(), /さくら/);
      sakuraId = (await app.db('members').select('id').where({ phone }).first()).id;
    });

    await t0.test('fills the profile and uploads a photo the browser can show', async () => {
      await sakura.goto('/profile/edit');
      await checks.check(sakura);
      await sakura.getByLabel(t('profile.field.hobbies')).fill('写真と散歩');
      await sakura.getByLabel(t('profile.field.self_introduction')).fill('よろしくお願いします。');
      await sakura.getByRole('button', { name: t('profile.edit.submit') }).click();
      await sakura.waitForURL(`**/members/${sakuraId}`);

      await sakura.goto('/profile/photos');
      await sakura
        .getByLabel(t('photos.profile.file'))
        .setInputFiles({ name: 'me.jpg', mimeType: 'image/jpeg', buffer: await jpeg(640, 480) });
      await sakura.getByRole('button', { name: t('photos.profile.submit') }).click();
      await sakura.waitForURL('**/profile/photos');
      await checks.check(sakura);
      await sakura.goto(`/members/${sakuraId}`);
      await checks.check(sakura);
      assert.match(await sakura.locator('main').innerText(), /写真と散歩/);
      assert.ok((await decodedImages(sakura, 'main img.avatar')) > 0, 'the profile photo is served and decodes');
    });

    const friend = await open();
    await t0.test('asks a member to be a friend, who accepts', async () => {
      await sakura.goto(`/members/${kenta.id}`);
      await checks.check(sakura);
      await sakura.getByRole('link', { name: t('profile.actions.addFriend') }).click();
      await checks.check(sakura);
      await sakura.getByLabel(t('friends.request.message')).fill('はじめまして！');
      await sakura.getByRole('button', { name: t('friends.request.submit') }).click();
      await sakura.waitForURL(`**/members/${kenta.id}`);

      await logInOnPc(friend, kenta);
      await checks.check(friend);
      await friend.goto('/friends/requests');
      await checks.check(friend);
      await friend.getByRole('button', { name: t('friends.requests.accept') }).click();
      await friend.waitForURL('**/friends/requests');
      assert.ok(await app.db('friendships').where({ member_id: kenta.id, friend_id: sakuraId }).first());
    });

    let diaryId = 0;
    await t0.test('writes a friends-only diary; the friend reads it, a stranger gets a 404', async () => {
      await sakura.goto('/home');
      await sakura
        .getByRole('link', { name: t('diaries.list.write') })
        .first()
        .click();
      await checks.check(sakura);
      await sakura.getByLabel(t('diaries.form.title'), { exact: true }).fill('春の散歩');
      await sakura
        .getByLabel(t('diaries.form.body'), { exact: true })
        .fill('桜がきれいでした。\nhttps://example.jp/sakura も見てね。');
      await sakura.getByLabel(t('diaries.form.visibility')).selectOption('friends');
      await sakura.getByRole('button', { name: t('diaries.form.submit') }).click();
      await sakura.waitForURL('**/diaries/*');
      diaryId = idIn(sakura, '/diaries/');
      await checks.check(sakura);

      await friend.goto('/diaries/friends');
      await checks.check(friend);
      await friend.getByRole('link', { name: '春の散歩' }).click();
      await friend.waitForURL(`**/diaries/${diaryId}`);
      await checks.check(friend);
      assert.match(await friend.locator('main').innerText(), /桜がきれいでした/);
      await friend.goto(`/members/${sakuraId}`);
      await checks.check(friend);

      const outsider = await open();
      await logInOnPc(outsider, stranger);
      const res = await outsider.goto(`/diaries/${diaryId}`);
      assert.equal(res?.status(), 404);
      assert.doesNotMatch(await outsider.content(), /春の散歩|桜がきれい/);
      await checks.check(outsider);
      await outsider.goto(`/members/${sakuraId}/diaries`);
      assert.doesNotMatch(await outsider.content(), /春の散歩/);
      await outsider.context().close();
    });

    await t0.test("sees the friend's footprint", async () => {
      await sakura.goto('/footprints');
      await checks.check(sakura);
      assert.match(await sakura.locator('.footprint-list').innerText(), /けんた/);
    });

    let topicUrl = '';
    await t0.test('creates a community and a topic', async () => {
      await sakura.goto('/communities');
      await checks.check(sakura);
      await sakura
        .getByRole('link', { name: t('communities.new.title') })
        .first()
        .click();
      await checks.check(sakura);
      await sakura.getByLabel(t('communities.form.name')).fill('散歩好きの集まり');
      await sakura.getByLabel(t('communities.form.category')).selectOption('hobbies');
      await sakura.getByLabel(t('communities.form.description')).fill('近所の散歩道を教えあいましょう。');
      await sakura.getByRole('button', { name: t('communities.new.submit') }).click();
      await sakura.waitForURL('**/communities/*');
      const communityId = idIn(sakura, '/communities/');
      await checks.check(sakura);
      await sakura.goto(`/communities/${communityId}/topics/new`);
      await checks.check(sakura);
      await sakura.getByLabel(t('communities.form.title')).fill('おすすめの散歩道');
      await sakura.getByLabel(t('communities.form.body')).fill('川沿いの道がおすすめです。');
      await sakura.getByRole('button', { name: t('communities.form.post') }).click();
      await sakura.waitForURL(`**/communities/${communityId}/topics/*`);
      await checks.check(sakura);
      topicUrl = new URL(sakura.url()).pathname;
    });

    const reporter = await open();
    await t0.test(
      'a member reports the topic; staff hide it from the back office; the notice takes its place',
      async () => {
        await logInOnPc(reporter, stranger);
        await reporter.goto(topicUrl);
        await checks.check(reporter);
        await reporter
          .getByRole('link', { name: t('reports.link') })
          .first()
          .click();
        await checks.check(reporter);
        await reporter.getByLabel(t('reports.category.spam')).check();
        await reporter.getByLabel(t('reports.body')).fill('宣伝です。');
        await reporter.getByRole('button', { name: t('reports.submit') }).click();
        await reporter.waitForURL(`**${topicUrl}`);

        const staffMember = await createMember(app.db, { nickname: '運営さん' });
        assert.deepEqual(await setRole(app.db, { memberId: staffMember.id, role: 'moderator', at: new Date() }), {
          ok: true,
        });
        const staff = await open();
        await logInOnPc(staff, staffMember);
        await staff.goto('/admin/reports');
        await checks.check(staff);
        await staff
          .getByRole('link', { name: t('admin.reports.handle') })
          .first()
          .click();
        await checks.check(staff);
        await staff.getByLabel(t('admin.form.reasonShown')).fill('宣伝のため');
        await staff.getByRole('button', { name: t('admin.actions.hide') }).click();
        await staff.waitForURL('**/admin/reports/topic/*');
        await checks.check(staff);

        await reporter.goto(topicUrl);
        await checks.check(reporter);
        const text = await reporter.locator('main').innerText();
        assert.match(text, new RegExp(t('moderation.hidden')));
        assert.match(text, /宣伝のため/);
        assert.doesNotMatch(text, /川沿いの道/);
      },
    );

    checks.assertClean();
  },
);

/** How many of the matched images the browser actually decoded. */
async function decodedImages(page: Page, selector: string): Promise<number> {
  return page
    .locator(selector)
    .evaluateAll(
      (imgs) => imgs.filter((i) => (i as HTMLImageElement).complete && (i as HTMLImageElement).naturalWidth > 0).length,
    );
}
