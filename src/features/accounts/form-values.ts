/** The member's input to show again in a form: everything but passwords, which are never echoed. */
export function withoutPasswords(body: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!body || typeof body !== 'object') return out;
  for (const [k, v] of Object.entries(body)) {
    if (/password/i.test(k) || k === '_csrf') continue;
    if (typeof v === 'string') out[k] = v;
  }
  return out;
}
