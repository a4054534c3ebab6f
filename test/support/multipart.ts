import type { Agent, Res } from './agent.js';

// Multipart bodies built by hand, so tests control field order, names, file names and can
// send broken ones. Browsers send the fields in the form's order; our forms put _csrf first.

export type Part = { name: string; value: string } | { name: string; filename: string; type?: string; data: Buffer };

export const BOUNDARY = '----ashiatoTestBoundary7MA4YWxkTrZu0gW';

export function multipartBody(parts: Part[], boundary = BOUNDARY): Buffer {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    if ('value' in p) {
      chunks.push(
        Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"\r\n\r\n${p.value}\r\n`),
      );
    } else {
      chunks.push(
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="${p.name}"; filename="${p.filename}"\r\nContent-Type: ${p.type ?? 'image/jpeg'}\r\n\r\n`,
        ),
      );
      chunks.push(p.data, Buffer.from('\r\n'));
    }
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

export function cookieHeader(agent: Agent): string {
  return [...agent.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
}

/** A same-origin browser POST of a raw multipart body with the agent's cookies. */
export async function postRaw(
  agent: Agent,
  path: string,
  body: Buffer,
  headers: Record<string, string> = {},
): Promise<Res> {
  const res = await fetch(agent.baseUrl + path, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'content-type': `multipart/form-data; boundary=${BOUNDARY}`,
      origin: agent.baseUrl,
      'sec-fetch-site': 'same-origin',
      'sec-fetch-mode': 'navigate',
      ...(agent.cookies.size ? { cookie: cookieHeader(agent) } : {}),
      ...headers,
    },
    body: new Uint8Array(body),
  });
  return { status: res.status, headers: res.headers, text: await res.text(), location: res.headers.get('location') };
}

/** Uploads one photo the way the profile-photo form does: the page's token first, then the file. */
export async function uploadPhoto(
  agent: Agent,
  data: Buffer,
  opts: { path?: string; filename?: string; type?: string; field?: string } = {},
): Promise<Res> {
  await agent.get('/profile/photos');
  return postRaw(
    agent,
    opts.path ?? '/profile/photos',
    multipartBody([
      { name: '_csrf', value: agent.lastToken! },
      { name: opts.field ?? 'photo', filename: opts.filename ?? 'photo.jpg', type: opts.type, data },
    ]),
  );
}

/** Posts a multipart form the way the page's form does: the token of `formPath` first, then fields, then files (`photos`). */
export async function postForm(
  agent: Agent,
  formPath: string,
  action: string,
  fields: Record<string, string>,
  files: Buffer[] = [],
): Promise<Res> {
  await agent.get(formPath);
  const parts: Part[] = [
    { name: '_csrf', value: agent.lastToken! },
    ...Object.entries(fields).map(([name, value]) => ({ name, value })),
  ];
  for (const [i, data] of files.entries()) parts.push({ name: 'photos', filename: `p${i}.jpg`, data });
  return postRaw(agent, action, multipartBody(parts));
}
