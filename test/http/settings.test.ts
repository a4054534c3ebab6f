import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, loggedInAgent, codeIn, type TestApp } from '../support/app.js';
import { Agent, textOf } from '../support/agent.js';
import { createMember, uniquePhone } from '../support/factories.js';
import { formatJapaneseMobile } from '../../src/lib/phone.js';
import { loggedInHandset } from '../support/mobile.js';

let app: TestApp;
before(async () => {
  app = await startTestApp();
});
after(async () => {
  await app.close();
});

const account = (id: number) =>
  app
    .db('members')
    .select('nickname', 'default_diary_visibility', 'role', 'status', 'birth_date', 'phone')
    .where({ id })
    .first();

test('settings › nickname and default diary visibility are saved; extra fields are ignored', async () => {
  const m = await createMember(app.db, { nickname: 'まえ' });
  const agent = await loggedInAgent(app, m);
  const res = await agent.post(
    '/settings',
    {
      nickname: 'あたらしい名前',
      default_diary_visibility: 'friends_of_friends',
      role: 'admin',
      status: 'suspended',
      birth_date: '2015-01-01',
      phone: '+819099990000',
      owner_id: '1',
    },
    { tokenFrom: '/settings' },
  );
  assert.equal(res.status, 303);
  const page = await agent.follow(res);
  assert.match(textOf(page.text), /設定を保存しました/);
  assert.match(page.text, /value="あたらしい名前"/);
  assert.deepEqual(await account(m.id), {
    nickname: 'あたらしい名前',
    default_diary_visibility: 'friends_of_friends',
    role: 'member',
    status: 'active',
    birth_date: '1990-01-01',
    phone: m.phone,
  });
});

test('settings › bad input is a 422 with the form kept and nothing saved', async () => {
  const m = await createMember(app.db, { nickname: 'まえ' });
  const agent = await loggedInAgent(app, m);
  const res = await agent.post(
    '/settings',
    { nickname: 'x'.repeat(21), default_diary_visibility: 'everyone' },
    { tokenFrom: '/settings' },
  );
  assert.equal(res.status, 422);
  assert.match(res.text, new RegExp(`value="${'x'.repeat(21)}"`));
  assert.match(textOf(res.text), /20文字以内/);
  assert.match(textOf(res.text), /公開範囲を選んでください/);
  assert.equal((await account(m.id)).nickname, 'まえ');
});

test('settings › a visitor is sent to login and nothing changes', async () => {
  const visitor = new Agent(app.baseUrl);
  await visitor.get('/login');
  const res = await visitor.post('/settings', { nickname: 'x', default_diary_visibility: 'friends' });
  assert.equal(res.status, 303);
  assert.equal(res.location, '/login');
});

test('settings › password change needs the current password and logs out other devices', async () => {
  const m = await createMember(app.db);
  const other = await loggedInAgent(app, m);
  const agent = await loggedInAgent(app, m);
  const wrong = await agent.post(
    '/settings/password',
    { current_password: 'not it at all', password: 'another fine password' },
    { tokenFrom: '/settings/password' },
  );
  assert.equal(wrong.status, 422);
  assert.match(textOf(wrong.text), /現在のパスワードが正しくありません/);
  const weak = await agent.post(
    '/settings/password',
    { current_password: m.password, password: 'password' },
    { tokenFrom: '/settings/password' },
  );
  assert.equal(weak.status, 422);
  const ok = await agent.post(
    '/settings/password',
    { current_password: m.password, password: 'another fine password' },
    { tokenFrom: '/settings/password' },
  );
  assert.equal(ok.status, 303);
  assert.equal((await agent.get('/home')).status, 200, 'this device stays logged in');
  assert.equal((await other.get('/home')).status, 303, 'the other device is out');
  assert.equal(
    (
      await new Agent(app.baseUrl).post(
        '/login',
        { phone: m.phone, password: 'another fine password' },
        { tokenFrom: '/login' },
      )
    ).status,
    303,
  );
});

test('settings › phone change: password, then an SMS code to the new number; the session id rotates', async () => {
  const m = await createMember(app.db);
  const agent = await loggedInAgent(app, m);
  const newPhone = uniquePhone();
  const wrongPw = await agent.post(
    '/settings/phone',
    { current_password: 'nope nope nope', phone: formatJapaneseMobile(newPhone) },
    { tokenFrom: '/settings/phone' },
  );
  assert.equal(wrongPw.status, 422);
  assert.match(wrongPw.text, new RegExp(`value="${formatJapaneseMobile(newPhone)}"`));
  const same = await agent.post(
    '/settings/phone',
    { current_password: m.password, phone: m.phone },
    { tokenFrom: '/settings/phone' },
  );
  assert.equal(same.status, 422);
  const landline = await agent.post(
    '/settings/phone',
    { current_password: m.password, phone: '03-1234-5678' },
    { tokenFrom: '/settings/phone' },
  );
  assert.equal(landline.status, 422);

  const start = await agent.post(
    '/settings/phone',
    { current_password: m.password, phone: formatJapaneseMobile(newPhone) },
    { tokenFrom: '/settings/phone' },
  );
  assert.equal(start.status, 303);
  const [sms] = await app.deliverSms();
  assert.equal(sms.phone, newPhone);
  const before = agent.cookies.get('ashiato.sid');
  await agent.get('/settings/phone/code');
  const done = await agent.post('/settings/phone/code', { code: codeIn(sms.body) });
  assert.equal(done.status, 303);
  assert.notEqual(agent.cookies.get('ashiato.sid'), before);
  assert.equal((await account(m.id)).phone, newPhone);
  assert.match(textOf((await agent.get('/settings')).text), new RegExp(formatJapaneseMobile(newPhone)));
  assert.equal(
    (await new Agent(app.baseUrl).post('/login', { phone: newPhone, password: m.password }, { tokenFrom: '/login' }))
      .status,
    303,
  );
});

test('settings › a number that belongs to another account cannot be taken over', async () => {
  const m = await createMember(app.db);
  const owner = await createMember(app.db);
  const agent = await loggedInAgent(app, m);
  const start = await agent.post(
    '/settings/phone',
    { current_password: m.password, phone: owner.phone },
    { tokenFrom: '/settings/phone' },
  );
  assert.equal(start.status, 303, 'same screen as a free number');
  const [sms] = await app.deliverSms();
  assert.match(sms.body, /すでに別のアカウント/);
  await agent.get('/settings/phone/code');
  const guess = await agent.post('/settings/phone/code', { code: '123456' });
  assert.equal(guess.status, 422);
  assert.equal((await account(m.id)).phone, m.phone);
});

test('settings › log out other devices ends every other session of the member only', async () => {
  const m = await createMember(app.db);
  const bystander = await createMember(app.db);
  const a = await loggedInAgent(app, m);
  const b = await loggedInAgent(app, m);
  const c = await loggedInAgent(app, bystander);
  const page = await a.get('/settings');
  assert.match(textOf(page.text), /ほかに 1 件/);
  const res = await a.post('/settings/sessions/logout-others', {});
  assert.equal(res.status, 303);
  assert.equal((await a.get('/home')).status, 200);
  assert.equal((await b.get('/home')).status, 303);
  assert.equal((await c.get('/home')).status, 200);
});

test('settings › withdrawal needs the password and the confirmation, then the account is unusable', async () => {
  const m = await createMember(app.db);
  const other = await loggedInAgent(app, m);
  const agent = await loggedInAgent(app, m);
  const noConfirm = await agent.post(
    '/settings/withdraw',
    { current_password: m.password },
    { tokenFrom: '/settings/withdraw' },
  );
  assert.equal(noConfirm.status, 422);
  assert.match(textOf(noConfirm.text), /確認のチェック/);
  const wrong = await agent.post(
    '/settings/withdraw',
    { current_password: 'not my password', confirm: 'yes' },
    { tokenFrom: '/settings/withdraw' },
  );
  assert.equal(wrong.status, 422);
  assert.equal((await account(m.id)).status, 'active');

  const res = await agent.post(
    '/settings/withdraw',
    { current_password: m.password, confirm: 'yes' },
    { tokenFrom: '/settings/withdraw' },
  );
  assert.equal(res.status, 303);
  assert.match(textOf((await agent.follow(res)).text), /退会の手続きが完了/);
  const row = await account(m.id);
  assert.equal(row.status, 'withdrawn');
  assert.equal(row.phone, null, 'the number is released');
  assert.equal((await other.get('/home')).status, 303);
  assert.equal((await agent.get('/home')).status, 303);
  const sessions = await app
    .db('sessions')
    .whereRaw(`sess ->> 'memberId' = ?`, [String(m.id)])
    .count<{ c: string }[]>({ c: '*' });
  assert.equal(Number(sessions[0].c), 0);
  const login = await new Agent(app.baseUrl).post(
    '/login',
    { phone: m.phone, password: m.password },
    { tokenFrom: '/login' },
  );
  assert.equal(login.status, 401);
});

test('settings › wrong current passwords are throttled like logins: password change, phone change and withdrawal, PC and /m/', async () => {
  const m = await createMember(app.db);
  const agent = await loggedInAgent(app, m);
  const handset = await loggedInHandset(app, m);
  const verify = app.ctx.passwords.verify;
  let checked = 0;
  app.ctx.passwords.verify = async (hash, password) => {
    checked++;
    return verify(hash, password);
  };
  try {
    for (let i = 0; i < 5; i++) {
      const res = await agent.post(
        '/settings/password',
        { current_password: `wrong guess ${i}`, password: 'another fine password' },
        { tokenFrom: '/settings/password' },
      );
      assert.equal(res.status, 422, `try ${i + 1}`);
    }
    const blocked = await agent.post(
      '/settings/password',
      { current_password: m.password, password: 'another fine password' },
      { tokenFrom: '/settings/password' },
    );
    assert.equal(blocked.status, 429, 'even the right password waits');
    assert.ok(Number(blocked.headers.get('retry-after')) > 0);
    assert.match(textOf(blocked.text), /何度も失敗したため/);
    assert.match(blocked.text, /name="current_password"/, 'the form is shown again');
    const newPhone = formatJapaneseMobile(uniquePhone());
    const phone = await agent.post(
      '/settings/phone',
      { current_password: m.password, phone: newPhone },
      { tokenFrom: '/settings/phone' },
    );
    assert.equal(phone.status, 429);
    assert.match(phone.text, new RegExp(`value="${newPhone}"`), 'the number typed is kept');
    const withdraw = await agent.post(
      '/settings/withdraw',
      { current_password: 'yet another guess', confirm: 'yes' },
      { tokenFrom: '/settings/withdraw' },
    );
    assert.equal(withdraw.status, 429);
    const mobile = await handset.post(
      '/m/settings/withdraw',
      { current_password: m.password, confirm: 'yes' },
      { tokenFrom: '/m/settings/withdraw' },
    );
    assert.equal(mobile.status, 429);
    assert.match(mobile.text, /何度も失敗したため/);
    // The login with this number waits too: one throttle per account.
    const login = await new Agent(app.baseUrl).post(
      '/login',
      { phone: m.phone, password: m.password },
      { tokenFrom: '/login' },
    );
    assert.equal(login.status, 429);
    assert.equal(checked, 5, 'no password was checked while blocked');
    const row = await account(m.id);
    assert.equal(row.status, 'active');
    assert.equal(row.phone, m.phone);
    assert.equal(
      await app
        .db('phone_verifications')
        .where({ member_id: m.id })
        .count<{ c: string }[]>({ c: '*' })
        .then((r) => Number(r[0].c)),
      0,
    );
  } finally {
    app.ctx.passwords.verify = verify;
  }
});
