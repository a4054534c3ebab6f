import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { JP_MOBILE_E164, formatJapaneseMobile, normalizeJapaneseMobile } from '../../src/lib/phone.js';

// Property-based: every spelling of a Japanese mobile number means one E.164 number, and nothing a
// member types can come out as something the database would refuse.

const mobile = fc
  .tuple(
    fc.constantFrom('60', '70', '80', '90'),
    fc.integer({ min: 1, max: 9 }),
    fc.integer({ min: 0, max: 9_999_999 }),
  )
  .map(([prefix, first, rest]) => `+81${prefix}${first}${String(rest).padStart(7, '0')}`);

const fullWidth = (s: string) =>
  s.replace(/[0-9+\-]/g, (c) => (c === '-' ? '－' : String.fromCharCode(c.charCodeAt(0) + 0xfee0)));

test('phone › every spelling of a mobile number normalises to the same E.164 number', () => {
  fc.assert(
    fc.property(
      mobile,
      fc.constantFrom('national', 'hyphens', 'spaces', 'plus81', 'fullwidth', 'fullwidthPlus'),
      (e164, style) => {
        const national = formatJapaneseMobile(e164);
        const typed = {
          national: national.replace(/-/g, ''),
          hyphens: national,
          spaces: national.replace(/-/g, ' '),
          plus81: `+81 ${e164.slice(3, 5)} ${e164.slice(5, 9)} ${e164.slice(9)}`,
          fullwidth: fullWidth(national),
          fullwidthPlus: fullWidth(`+81-${e164.slice(3)}`),
        }[style];
        assert.equal(normalizeJapaneseMobile(typed), e164, typed);
      },
    ),
    { numRuns: 500 },
  );
});

test('phone › whatever is typed, the result is null or a number the database CHECK accepts', () => {
  const typedChars = fc.string({
    unit: fc.constantFrom(...'0123456789０１２３４５６７８９+-＋－ ()'.split('')),
    maxLength: 20,
  });
  fc.assert(
    fc.property(fc.oneof(typedChars, fc.string({ maxLength: 30 })), (input) => {
      const out = normalizeJapaneseMobile(input);
      assert.ok(out === null || JP_MOBILE_E164.test(out), `${JSON.stringify(input)} → ${out}`);
    }),
    { numRuns: 2000 },
  );
});

test('phone › M2M (020), VoIP (050) and landlines never pass, however spelled', () => {
  fc.assert(
    fc.property(
      fc.constantFrom('20', '50', '3', '6', '45', '120'),
      fc.integer({ min: 1_000_000, max: 99_999_999 }),
      (prefix, rest) => {
        assert.equal(normalizeJapaneseMobile(`0${prefix}${rest}`), null);
        assert.equal(normalizeJapaneseMobile(`+81${prefix}${rest}`), null);
      },
    ),
    { numRuns: 300 },
  );
});
