import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RegisterProfileForm } from '../../src/features/accounts/schemas.js';

const base = { nickname: 'さくら', birth_date: '1990-01-01', agree: 'yes' };

function passwordError(password: string): string | undefined {
  const r = RegisterProfileForm.safeParse({ ...base, password });
  return r.success ? undefined : r.error.issues.find((i) => i.path[0] === 'password')?.message;
}

test('RegisterProfileForm › refuses passwords under 8 characters', () => {
  assert.equal(passwordError('short7c'), 'validation.password.short');
});

test('RegisterProfileForm › accepts 64 and 200 characters with emoji, exactly as typed', () => {
  const p64 = '🐈'.repeat(4) + 'a'.repeat(60);
  const p200 = '猫🐾 '.repeat(66) + 'xy';
  assert.equal([...p200].length, 200);
  assert.equal(passwordError(p64), undefined);
  assert.equal(passwordError(p200), undefined);
  const parsed = RegisterProfileForm.parse({ ...base, password: '  spaced out 🐈  ' });
  assert.equal(parsed.password, '  spaced out 🐈  ');
});

test('RegisterProfileForm › refuses a top common password', () => {
  assert.equal(passwordError('password'), 'validation.password.common');
  assert.equal(passwordError('12345678'), 'validation.password.common');
  assert.equal(passwordError('Qwertyuiop'), 'validation.password.common');
});

test('RegisterProfileForm › nickname is 1–20 characters after trimming', () => {
  assert.equal(
    RegisterProfileForm.safeParse({ ...base, nickname: '   ', password: 'a long passphrase' }).success,
    false,
  );
  assert.equal(
    RegisterProfileForm.safeParse({ ...base, nickname: 'あ'.repeat(21), password: 'a long passphrase' }).success,
    false,
  );
  assert.equal(
    RegisterProfileForm.parse({ ...base, nickname: ' ' + 'あ'.repeat(20) + ' ', password: 'a long passphrase' })
      .nickname,
    'あ'.repeat(20),
  );
});
