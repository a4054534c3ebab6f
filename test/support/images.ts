import zlib from 'node:zlib';
import sharp from 'sharp';

// Test images made on the spot: real encodes from sharp, and hand-made hostile files.

export function jpeg(width: number, height: number, colour = '#c86432'): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: colour } })
    .jpeg()
    .toBuffer();
}

export function png(width: number, height: number, opts: { alpha?: boolean } = {}): Promise<Buffer> {
  const background = opts.alpha ? { r: 20, g: 90, b: 200, alpha: 0.4 } : '#3264c8';
  return sharp({ create: { width, height, channels: opts.alpha ? 4 : 3, background } })
    .png()
    .toBuffer();
}

export function webp(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: '#32c864' } })
    .webp()
    .toBuffer();
}

export function avif(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: '#646464' } })
    .avif()
    .toBuffer();
}

/** Noisy pixels, so that the JPEG has a long scan to cut short. */
export function noisyJpeg(width: number, height: number): Promise<Buffer> {
  return sharp({
    create: { width, height, channels: 3, background: '#000', noise: { type: 'gaussian', mean: 128, sigma: 40 } },
  })
    .jpeg()
    .toBuffer();
}

/** A 200×100 landscape JPEG carrying GPS, camera make/serial and Orientation=6 (shown as 100×200). */
export function cameraJpeg(): Promise<Buffer> {
  return sharp({ create: { width: 200, height: 100, channels: 3, background: '#c83232' } })
    .jpeg()
    .withExif({
      IFD0: { Make: 'AshiatoCam', Model: 'Serial-0042', Software: 'camera 1.0' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '35/1 41/1 0/1', GPSLongitudeRef: 'E', GPSLongitude: '139/1 41/1 0/1' },
    })
    .withMetadata({ orientation: 6 })
    .toBuffer();
}

export const tiff = () =>
  sharp({ create: { width: 16, height: 16, channels: 3, background: '#00f' } })
    .tiff()
    .toBuffer();
export const gif = () =>
  sharp({ create: { width: 16, height: 16, channels: 3, background: '#00f' } })
    .gif()
    .toBuffer();

export const svg = () =>
  Buffer.from(
    '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><script>alert(1)</script><rect width="10" height="10"/></svg>',
  );
export const pdf = () =>
  Buffer.from(
    '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n',
  );
export const html = () =>
  Buffer.from('<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>');

/** Starts like a JPEG, continues as HTML: does not decode as an image. */
export const jpegMagicHtml = () => Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), html()]);

/** A valid JPEG with an HTML page inside a comment segment: decodes, and must come out clean. */
export async function polyglotJpeg(): Promise<Buffer> {
  const image = await noisyJpeg(64, 64);
  const body = html();
  const com = Buffer.alloc(4);
  com[0] = 0xff;
  com[1] = 0xfe;
  com.writeUInt16BE(body.length + 2, 2);
  return Buffer.concat([image.subarray(0, 2), com, body, image.subarray(2)]);
}

function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const typed = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(typed));
  return Buffer.concat([len, typed, crc]);
}

/** A few KB of PNG whose header declares width × height (default 14000 × 14000 = 196 megapixels). */
export function decompressionBombPng(width = 14_000, height = 14_000): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const someRows = zlib.deflateSync(Buffer.alloc(16 * (1 + width * 3)));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', someRows),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}
