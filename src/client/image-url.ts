/** The URL of an image part: an `https:` URL, or a base64 `data:` URL of a PNG, JPEG, GIF or WebP image. */
import { z } from 'zod';

/**
 * The largest image a `data:` URL may carry, decoded: 1 MiB. The request is the task's workflow
 * input, so it is kept in Temporal's history (whose default limit is 2 MB per payload) and in
 * dead-letter entries; an image of 1 MiB is about 1.4 MB of base64, which leaves room for the rest of
 * the request. A larger image belongs behind an `https:` URL. Providers take more (Anthropic 5 MB,
 * OpenAI 20 MB per image), so no image accepted here is refused for its size there.
 */
export const MAX_IMAGE_DATA_BYTES = 1_048_576;

/** The longest `https:` URL, as most HTTP servers take a request line. */
const MAX_HTTPS_URL_CHARS = 8192;

const DATA_URL_PREFIX = /^data:image\/(?:png|jpeg|gif|webp);base64,/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
/** The most base64 characters a data URL may hold (4 characters per 3 bytes). */
const MAX_BASE64_CHARS = Math.ceil(MAX_IMAGE_DATA_BYTES / 3) * 4;

const KINDS = 'must be an https: URL or a data:image/(png|jpeg|gif|webp);base64, URL';
const TOO_LARGE = `must carry at most ${MAX_IMAGE_DATA_BYTES.toLocaleString('en-US')} bytes (1 MiB) of image; a larger image goes as an https: URL`;

/** Bytes that `base64` (its length a multiple of 4) decodes to. */
function decodedBytes(base64: string): number {
  const padding = base64.endsWith('==') ? 2 : base64.endsWith('=') ? 1 : 0;
  return (base64.length / 4) * 3 - padding;
}

function dataUrlProblem(url: string, prefixLength: number): string | undefined {
  const base64 = url.slice(prefixLength);
  if (base64.length > MAX_BASE64_CHARS) return TOO_LARGE;
  if (base64.length === 0 || base64.length % 4 !== 0 || !BASE64.test(base64)) {
    return 'must be valid base64 after the data:image/…;base64, prefix';
  }
  return decodedBytes(base64) > MAX_IMAGE_DATA_BYTES ? TOO_LARGE : undefined;
}

function httpsUrlProblem(url: string): string | undefined {
  if (url.length > MAX_HTTPS_URL_CHARS) return `must be at most ${MAX_HTTPS_URL_CHARS} characters`;
  return URL.canParse(url) && new URL(url).protocol === 'https:' ? undefined : KINDS;
}

/** What is wrong with `url` as an image URL, if anything (never quoting it: it is user data). */
function imageUrlProblem(url: string): string | undefined {
  const dataPrefix = DATA_URL_PREFIX.exec(url.slice(0, 40));
  if (dataPrefix) return dataUrlProblem(url, dataPrefix[0].length);
  return url.startsWith('https:') ? httpsUrlProblem(url) : KINDS;
}

export const imageUrl = z.string().superRefine((url, context) => {
  const problem = imageUrlProblem(url);
  if (problem !== undefined) context.addIssue({ code: 'custom', message: problem });
});
