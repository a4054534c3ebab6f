import { execFile, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';

// The Nu HTML checker (npm `vnu-jar`, the W3C validator's engine) run on Debian's Java over saved
// pages (SECURITY 48). The package's own Java downloader is never used: no network.

const VNU_JAR = String(createRequire(import.meta.url)('vnu-jar'));
const JAVA = process.env.JAVA ?? 'java';

/** node:test's `skip`: the reason when there is no Java to run the checker (never a failure). */
export const noJava: string | false =
  spawnSync(JAVA, ['-version'], { stdio: 'ignore', timeout: 20_000 }).status === 0
    ? false
    : 'no Java to run the Nu HTML checker: install it (apt-get install -y default-jre-headless; .ci/run does)';

export type HtmlMessage = { page: string; line?: number; message: string; extract?: string };

/**
 * Checks every page (name → HTML) in one run of the checker and returns its errors (warnings and
 * information left out). Pages are written to a temporary folder, removed afterwards.
 */
export async function htmlErrors(pages: Map<string, string>): Promise<HtmlMessage[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ashiato-vnu-'));
  try {
    const files = new Map<string, string>();
    let n = 0;
    for (const [name, html] of pages) {
      const file = path.join(dir, `page-${++n}.html`);
      fs.writeFileSync(file, html);
      files.set(`file:${file}`, name);
    }
    const out = await new Promise<string>((resolve, reject) => {
      execFile(
        JAVA,
        [
          '-Xss8m',
          '-jar',
          VNU_JAR,
          '--format',
          'json',
          '--stdout',
          '--exit-zero-always',
          ...[...files.keys()].map((u) => u.slice(5)),
        ],
        { timeout: 90_000, maxBuffer: 32 * 1024 * 1024 },
        (err, stdout) => (err ? reject(err) : resolve(stdout)),
      );
    });
    const { messages } = JSON.parse(out) as {
      messages: {
        type: string;
        subType?: string;
        url?: string;
        lastLine?: number;
        message: string;
        extract?: string;
      }[];
    };
    return messages
      .filter((m) => m.type === 'error' || m.type === 'non-document-error')
      .map((m) => ({
        page: files.get(m.url ?? '') ?? m.url ?? '?',
        line: m.lastLine,
        message: m.message,
        extract: m.extract,
      }));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
