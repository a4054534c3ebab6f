import { test } from 'node:test';
import assert from 'node:assert/strict';
import exifr from 'exifr';
import sharp from 'sharp';
import { processPhoto, sniffFormat, type ProcessedPhoto } from '../../src/features/photos/pipeline.js';
import * as img from '../support/images.js';

// SPEC §11, SECURITY 32, 34, 35: what comes out of the pipeline, checked with a real EXIF reader.

async function processed(input: Buffer): Promise<ProcessedPhoto> {
  const result = await processPhoto(input);
  assert.ok(result.ok, `refused: ${!result.ok && result.reason}`);
  return result.photo;
}

function variant(photo: ProcessedPhoto, name: string) {
  const v = photo.variants.find((x) => x.variant === name);
  assert.ok(v, name);
  return v;
}

test('pipeline › a camera JPEG loses its EXIF, GPS and serials and comes out upright', async () => {
  const source = await img.cameraJpeg();
  assert.ok(await exifr.gps(source), 'the source does carry GPS');
  assert.equal((await sharp(source).metadata()).orientation, 6);

  const photo = await processed(source);
  assert.deepEqual([photo.width, photo.height], [100, 200], 'the 200×100 source, rotated by orientation 6');
  assert.deepEqual(photo.variants.map((v) => v.variant).sort(), ['m120', 'm240', 'sq180', 'sq76', 'w600']);
  for (const v of photo.variants) {
    assert.equal(await exifr.parse(v.data, true), undefined, `${v.variant}: no EXIF at all`);
    assert.equal(await exifr.gps(v.data), undefined, `${v.variant}: no GPS`);
    assert.equal(v.data.includes(Buffer.from('Serial-0042')), false, `${v.variant}: no camera serial`);
    const meta = await sharp(v.data).metadata();
    assert.equal(meta.format, 'jpeg');
    assert.equal(meta.exif, undefined);
    assert.equal(meta.icc, undefined);
    assert.equal(meta.xmp, undefined);
    assert.equal(meta.orientation, undefined, `${v.variant}: upright pixels, no orientation tag to obey`);
    assert.deepEqual([meta.width, meta.height], [v.width, v.height]);
  }
  // Never enlarged: the upright 100×200 stays 100×200 where the variant only shrinks.
  assert.deepEqual([variant(photo, 'w600').width, variant(photo, 'w600').height], [100, 200]);
  assert.deepEqual([variant(photo, 'm240').width, variant(photo, 'm240').height], [100, 200]);
  assert.deepEqual([variant(photo, 'sq76').width, variant(photo, 'sq76').height], [76, 76]);
});

test('pipeline › variants have their sizes: squares, 600 px long side, 120 wide, inside 240×320', async () => {
  const photo = await processed(await img.png(1600, 1200));
  const sizes = Object.fromEntries(photo.variants.map((v) => [v.variant, [v.width, v.height]]));
  assert.deepEqual(sizes, { sq76: [76, 76], sq180: [180, 180], w600: [600, 450], m120: [120, 90], m240: [240, 180] });

  const tall = await processed(await img.jpeg(900, 3000));
  const tallSizes = Object.fromEntries(tall.variants.map((v) => [v.variant, [v.width, v.height]]));
  assert.deepEqual(tallSizes, {
    sq76: [76, 76],
    sq180: [180, 180],
    w600: [180, 600],
    m120: [120, 400],
    m240: [96, 320],
  });
});

test('pipeline › PNG with transparency, WebP and AVIF (HEIF) are taken and stored as JPEG', async () => {
  for (const input of [await img.png(300, 200, { alpha: true }), await img.webp(300, 200), await img.avif(300, 200)]) {
    const photo = await processed(input);
    assert.deepEqual([photo.width, photo.height], [300, 200]);
    for (const v of photo.variants) assert.equal((await sharp(v.data).metadata()).format, 'jpeg');
  }
});

test('pipeline › SVG, TIFF, PDF, GIF, HTML and empty files are refused by content', async () => {
  const inputs: [string, Buffer][] = [
    ['svg', img.svg()],
    ['tiff', await img.tiff()],
    ['pdf', img.pdf()],
    ['gif', await img.gif()],
    ['html', img.html()],
    ['empty', Buffer.alloc(0)],
    ['text', Buffer.from('just some words')],
  ];
  for (const [name, input] of inputs) {
    assert.equal(sniffFormat(input), null, name);
    assert.deepEqual(await processPhoto(input), { ok: false, reason: 'unsupported' }, name);
  }
});

test('pipeline › truncated files and HTML behind a JPEG signature cannot be decoded and are refused', async () => {
  const full = await img.noisyJpeg(400, 300);
  assert.deepEqual(await processPhoto(full.subarray(0, full.length / 2)), { ok: false, reason: 'unreadable' });
  const fullPng = await sharp(full).png().toBuffer();
  assert.deepEqual(await processPhoto(fullPng.subarray(0, fullPng.length / 2)), { ok: false, reason: 'unreadable' });
  assert.deepEqual(await processPhoto(img.jpegMagicHtml()), { ok: false, reason: 'unreadable' });
});

test('pipeline › a JPEG/HTML polyglot that decodes is re-encoded without the HTML', async () => {
  const input = await img.polyglotJpeg();
  assert.ok(input.includes(Buffer.from('<script')));
  const photo = await processed(input);
  for (const v of photo.variants) assert.equal(v.data.includes(Buffer.from('<script')), false, v.variant);
});

test('pipeline › a small PNG declaring 14000×14000 is refused by the pixel limit from its header', async () => {
  const bomb = img.decompressionBombPng();
  assert.ok(bomb.length < 64 * 1024, `only ${bomb.length} bytes`);
  assert.deepEqual(await processPhoto(bomb), { ok: false, reason: 'tooManyPixels' });
  // 6400×6400 = 40.96 megapixels: just over the limit.
  assert.deepEqual(await processPhoto(img.decompressionBombPng(6400, 6400)), { ok: false, reason: 'tooManyPixels' });
});
