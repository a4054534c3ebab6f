import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatJapaneseMobile, maskJapaneseMobile, normalizeJapaneseMobile } from '../../src/lib/phone.js';

test('normalizeJapaneseMobile › every spelling of one mobile number becomes one E.164 number', () => {
  for (const input of [
    '090-1234-5678',
    '09012345678',
    '+81 90 1234 5678',
    '+81-90-1234-5678',
    '０９０－１２３４－５６７８',
    '０９０１２３４５６７８',
    ' 090 1234 5678 ',
    '(090) 1234-5678',
  ]) {
    assert.equal(normalizeJapaneseMobile(input), '+819012345678', input);
  }
});

test('normalizeJapaneseMobile › accepts 060, 070, 080 and 090 mobiles', () => {
  assert.equal(normalizeJapaneseMobile('060-1234-5678'), '+816012345678');
  assert.equal(normalizeJapaneseMobile('070-1234-5678'), '+817012345678');
  assert.equal(normalizeJapaneseMobile('080-1234-5678'), '+818012345678');
});

test('normalizeJapaneseMobile › refuses M2M, VoIP, landlines, foreign and malformed numbers', () => {
  for (const input of [
    '020-1234-5678',
    '050-1234-5678',
    '03-1234-5678',
    '0120-123-456',
    '090-0123-4567',
    '09001234567',
    '+1 415 555 2671',
    '+44 7700 900123',
    '090-1234-567',
    '090-1234-56789',
    'abc',
    '',
    '090-1234-5678; DROP TABLE members',
    '0901234567８9',
  ]) {
    assert.equal(normalizeJapaneseMobile(input), null, input);
  }
});

test('formatJapaneseMobile and maskJapaneseMobile › show the national form, masked for staff', () => {
  assert.equal(formatJapaneseMobile('+819012345678'), '090-1234-5678');
  assert.equal(maskJapaneseMobile('+819012345678'), '090-****-5678');
});
