import { test } from 'node:test';
import assert from 'node:assert/strict';
import express from 'express';
import { pickLocale } from '../../src/i18n/index.js';

// Which language a page is in: the `lang` cookie, else the browser's Accept-Language weighed by its
// q-values (through Express's req.acceptsLanguages), else Japanese.

/** A request as Express builds it, with only this Accept-Language header. */
function requestWith(acceptLanguage?: string): express.Request {
  return Object.setPrototypeOf(
    { headers: acceptLanguage === undefined ? {} : { 'accept-language': acceptLanguage } },
    express.request,
  ) as express.Request;
}

test('pickLocale › weighs q-values: en;q=0.1, ja;q=0.9 is Japanese, whatever comes first', () => {
  assert.equal(pickLocale(undefined, requestWith('en;q=0.1, ja;q=0.9')), 'ja');
  assert.equal(pickLocale(undefined, requestWith('ja;q=0.2, en;q=0.8')), 'en');
  assert.equal(pickLocale(undefined, requestWith('fr, en;q=0.5, ja;q=0.4')), 'en');
});

test('pickLocale › regional tags count as their language; none of ours, or no header, is Japanese', () => {
  assert.equal(pickLocale(undefined, requestWith('en-US,en;q=0.8')), 'en');
  assert.equal(pickLocale(undefined, requestWith('ja-JP')), 'ja');
  assert.equal(pickLocale(undefined, requestWith('fr-FR, de')), 'ja');
  assert.equal(pickLocale(undefined, requestWith('*')), 'ja');
  assert.equal(pickLocale(undefined, requestWith()), 'ja');
});

test('pickLocale › the lang cookie wins over the header; an unknown cookie value does not', () => {
  assert.equal(pickLocale('en', requestWith('ja')), 'en');
  assert.equal(pickLocale('ja', requestWith('en')), 'ja');
  assert.equal(pickLocale('fr', requestWith('en')), 'en');
});
