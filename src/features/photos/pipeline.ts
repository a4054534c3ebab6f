import sharp, { type Metadata, type OutputInfo, type Sharp } from 'sharp';
import type { PhotoVariant } from './variants.js';

// SPEC §11: jpeg/png/webp/heif in, 40 megapixels at most, every variant a fresh JPEG encode with no
// metadata, upright. Why it is built this way: CONTEXT.md.

export const MAX_INPUT_PIXELS = 40_000_000;

type InputFormat = 'jpeg' | 'png' | 'webp' | 'heif';

export type ProcessedPhoto = {
  /** The upright original's size. */
  width: number;
  height: number;
  variants: { variant: PhotoVariant; data: Buffer; width: number; height: number }[];
};

export type PhotoRefusal = 'unsupported' | 'unreadable' | 'tooManyPixels';

export type ProcessResult = { ok: true; photo: ProcessedPhoto } | { ok: false; reason: PhotoRefusal };

const HEIF_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'mif1', 'msf1', 'avif', 'avis']);

/**
 * The format the first bytes announce, if it is one we take. Only then is the file handed to
 * libvips at all, so its SVG, PDF, TIFF, GIF… loaders never parse member uploads.
 */
export function sniffFormat(b: Buffer): InputFormat | null {
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (b.length >= 8 && b.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
    return 'png';
  if (b.length >= 12 && b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP') return 'webp';
  if (b.length >= 12 && b.toString('latin1', 4, 8) === 'ftyp' && HEIF_BRANDS.has(b.toString('latin1', 8, 12)))
    return 'heif';
  return null;
}

// Every variant is cut from one decoded intermediate that is at least 600 px on both sides (or the
// original size), so the source is decoded once whatever the number of variants.
const INTERMEDIATE = 600;

const VARIANTS: Record<PhotoVariant, (s: Sharp) => Sharp> = {
  sq76: (s) => s.resize(76, 76, { fit: 'cover' }),
  sq180: (s) => s.resize(180, 180, { fit: 'cover' }),
  w600: (s) => s.resize(600, 600, { fit: 'inside', withoutEnlargement: true }),
  m120: (s) => s.resize({ width: 120, withoutEnlargement: true }),
  m240: (s) => s.resize(240, 320, { fit: 'inside', withoutEnlargement: true }),
};

function decoder(input: Buffer): Sharp {
  // failOn 'error' refuses truncated and corrupt files instead of decoding them half grey;
  // limitInputPixels is checked from the header, before any pixel is decoded.
  return sharp(input, { limitInputPixels: MAX_INPUT_PIXELS, failOn: 'error', pages: 1 });
}

/** Checks what an upload really is and produces every variant. Nothing is written here. */
export async function processPhoto(input: Buffer): Promise<ProcessResult> {
  const claimed = sniffFormat(input);
  if (!claimed) return { ok: false, reason: 'unsupported' };

  let meta: Metadata;
  try {
    // Header only; unlimited here so that the pixel count below can say why it is refused.
    meta = await sharp(input, { limitInputPixels: false }).metadata();
  } catch {
    return { ok: false, reason: 'unreadable' };
  }
  if (meta.format !== claimed || !meta.width || !meta.height) return { ok: false, reason: 'unsupported' };
  if (meta.width * meta.height > MAX_INPUT_PIXELS) return { ok: false, reason: 'tooManyPixels' };

  let base: { data: Buffer; info: OutputInfo };
  try {
    base = await decoder(input)
      .rotate() // applies the EXIF orientation; the tag itself is not carried over
      .resize(INTERMEDIATE, INTERMEDIATE, { fit: 'outside', withoutEnlargement: true })
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
  } catch {
    // Cannot decode: truncated, corrupt, a HEIC whose codec this build lacks, a disguised file.
    return { ok: false, reason: 'unreadable' };
  }

  const raw = { width: base.info.width, height: base.info.height, channels: base.info.channels as 3 };
  const variants = await Promise.all(
    (Object.keys(VARIANTS) as PhotoVariant[]).map(async (variant) => {
      // A fresh encode from raw pixels: no EXIF, GPS, XMP, ICC or comment can survive.
      const { data, info } = await VARIANTS[variant](sharp(base.data, { raw }))
        .jpeg({ quality: 82, mozjpeg: true })
        .toBuffer({ resolveWithObject: true });
      return { variant, data, width: info.width, height: info.height };
    }),
  );
  const upright = meta.autoOrient ?? { width: meta.width, height: meta.height };
  return { ok: true, photo: { width: upright.width, height: upright.height, variants } };
}
