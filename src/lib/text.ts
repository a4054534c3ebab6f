// The one escaping formatter. Views print its output with <%- …Html %>; everything else with <%= %>.

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

const URL_RE = /https?:\/\/[^\s<>"'（）「」、。]+/g;

/** Plain member text → HTML: escaped, line breaks kept, http(s) URLs linked with rel=nofollow. */
export function formatTextHtml(text: string): string {
  const out: string[] = [];
  let last = 0;
  for (const m of text.matchAll(URL_RE)) {
    let url = m[0];
    // Trailing punctuation is usually the sentence's, not the URL's.
    const trail = /[.,;:!?)\]]+$/.exec(url);
    if (trail) url = url.slice(0, -trail[0].length);
    const start = m.index ?? 0;
    out.push(escapeHtml(text.slice(last, start)));
    out.push(`<a href="${escapeHtml(url)}" rel="nofollow noopener noreferrer">${escapeHtml(url)}</a>`);
    last = start + url.length;
  }
  out.push(escapeHtml(text.slice(last)));
  return out.join('').replace(/\r\n|\r|\n/g, '<br>\n');
}
