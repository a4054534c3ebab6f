import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT } from '../../src/paths.js';

// The production stack, read as an operator's security review would read it (no Docker engine runs
// here): docker-compose.yml, the Dockerfile and the scripts the image and the backup service run.

const compose = fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8');
// One instruction per line, continuation lines joined.
const dockerfile = fs
  .readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8')
  .replace(/\\\n/g, ' ')
  .split('\n')
  .filter((l) => l.trim() && !l.trim().startsWith('#'));

/** Each service's block of docker-compose.yml, by name (the file's own layout: two-space indents). */
function services(): Map<string, string> {
  const out = new Map<string, string>();
  const lines = compose.split('\n');
  let name: string | null = null;
  let block: string[] = [];
  for (const line of lines.slice(lines.indexOf('services:') + 1)) {
    if (/^\S/.test(line)) break;
    const m = /^ {2}([a-z][\w-]*):\s*$/.exec(line);
    if (m) {
      if (name) out.set(name, block.join('\n'));
      [name, block] = [m[1], []];
    } else if (name) block.push(line);
  }
  if (name) out.set(name, block.join('\n'));
  return out;
}

function setting(block: string, key: string): string | undefined {
  return new RegExp(`^\\s+${key}:\\s*"?([^"\\n]*?)"?\\s*$`, 'm').exec(block)?.[1];
}

test('docker-compose.yml › only the TLS proxy publishes ports, and the app believes exactly that hop', () => {
  const all = services();
  assert.ok(all.has('proxy') && all.has('app'), 'a proxy service and an app service');
  const publishing = [...all].filter(([, block]) => /^ {4}ports:/m.test(block)).map(([name]) => name);
  assert.deepEqual(publishing, ['proxy']);
  const proxy = all.get('proxy')!;
  const app = all.get('app')!;
  assert.match(proxy, /^ {6}- "443:443"$/m);
  const address = setting(proxy, 'ipv4_address');
  assert.ok(address, 'the proxy has a fixed address');
  assert.equal(setting(app, 'TRUST_PROXY'), address);
  // The proxy forwards to the port the app listens on, whatever PORT says.
  assert.equal(/--to app:(\S+)/.exec(setting(proxy, 'command') ?? '')?.[1], setting(app, 'PORT'));
});

test('docker-compose.yml › no password is pasted into a URL, and every secret comes from a file', () => {
  assert.doesNotMatch(compose, /\w+:\/\/[^\s/@]*:[^\s/@]*@/, 'a URL with a password in it');
  const all = services();
  const declared = new Set(
    [...compose.slice(compose.indexOf('\nsecrets:')).matchAll(/^ {2}([a-z_]+):$/gm)].map((m) => m[1]),
  );
  for (const [name, block] of all) {
    for (const key of [
      'SESSION_SECRET',
      'TWILIO_AUTH_TOKEN',
      'POSTGRES_PASSWORD',
      'DATABASE_PASSWORD',
      'DATABASE_URL',
      'DATABASE_APP_URL',
    ]) {
      const plain = setting(block, key);
      assert.ok(
        plain === undefined || (!/PASSWORD|SECRET|TOKEN/.test(plain) && !/:[^/@]*@/.test(plain)),
        `${name}: ${key} given in the environment`,
      );
    }
    for (const [, file] of block.matchAll(/_FILE:\s*(\S+)/g)) {
      const secret = /^\/run\/secrets\/([a-z_]+)$/.exec(file)?.[1];
      assert.ok(secret && declared.has(secret), `${name}: ${file} is a declared secret`);
      assert.match(block, new RegExp(`^ {6}- ${secret}$`, 'm'), `${name} mounts the secret ${secret}`);
    }
  }
  assert.equal(setting(all.get('app')!, 'SESSION_SECRET_FILE'), '/run/secrets/session_secret');
  assert.equal(setting(all.get('app')!, 'TWILIO_AUTH_TOKEN_FILE'), '/run/secrets/twilio_auth_token');
  assert.equal(setting(all.get('db')!, 'POSTGRES_PASSWORD_FILE'), '/run/secrets/postgres_password');
});

test('docker-compose.yml › the app cannot write its own code: read-only root, /tmp in memory, photos on a volume', () => {
  const app = services().get('app')!;
  assert.equal(setting(app, 'read_only'), 'true');
  assert.match(app, /^ {4}tmpfs:\n {6}- \/tmp$/m);
  assert.match(app, /^ {6}- uploads:\/app\/uploads$/m);
  assert.equal(setting(app, 'UPLOADS_DIR'), '/app/uploads');
});

test('docker-compose.yml › every service rotates its logs (size-limited json-file)', () => {
  const anchor = /^x-logging: &logging\n((?: {2}.*\n)+)/m.exec(compose)?.[1] ?? '';
  assert.match(anchor, /max-size: "\d+m"/);
  assert.match(anchor, /max-file: "\d+"/);
  for (const [name, block] of services()) assert.match(block, /^ {4}logging: \*logging$/m, `${name} has log limits`);
});

test('docker-compose.yml › a backup service runs scripts/backup.sh on a schedule, photos included, with retention', () => {
  const backup = services().get('backup');
  assert.ok(backup, 'a backup service');
  assert.match(backup, /deploy\/backup-loop\.sh/);
  assert.match(backup, /^ {6}- \.\/scripts:\/opt\/ashiato\/scripts:ro$/m);
  assert.match(backup, /^ {6}- uploads:\/uploads:ro$/m);
  assert.equal(setting(backup, 'UPLOADS_DIR'), '/uploads');
  assert.match(setting(backup, 'BACKUP_KEEP_DAYS') ?? '', /^\$\{BACKUP_KEEP_DAYS:-\d+\}$/);
  assert.match(backup, /--check/, 'unhealthy when backups stop');
});

test(
  'docker-compose.yml › `docker-compose config` accepts it',
  { skip: !hasDockerCompose() && 'docker-compose is not installed (apt-get install docker-compose)' },
  () => {
    const r = spawnSync('docker-compose', ['config', '--quiet'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, PUBLIC_ORIGIN: 'https://ashiato.example.jp' },
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
  },
);

test('Dockerfile › runs on Node 24 LTS in every stage', () => {
  const image = /^ARG NODE_IMAGE=(\S+)/m.exec(dockerfile.join('\n'))?.[1];
  for (const from of dockerfile.filter((l) => l.startsWith('FROM '))) {
    const base = from.split(/\s+/)[1].replace('${NODE_IMAGE}', image ?? '');
    assert.match(base, /^node:24[.-]/, from);
  }
});

test('Dockerfile › runs no install script but the allowed runtime ones, and ships no dev dependency', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const installs = dockerfile.filter((l) => /\bnpm (ci|install|i)\b/.test(l));
  assert.ok(installs.length > 0);
  for (const line of installs) assert.match(line, /npm ci [^&]*--ignore-scripts/, line);
  for (const [, names] of dockerfile.join('\n').matchAll(/npm rebuild ([^&\n]+)/g)) {
    for (const name of names.trim().split(/\s+/)) {
      assert.equal(pkg.allowScripts?.[name], true, `${name} is allowed in package.json`);
      assert.ok(pkg.dependencies[name], `${name} is a runtime dependency`);
    }
  }
  // The runtime's node_modules come from a stage that installed production dependencies only.
  const runtimeFrom = dockerfile.lastIndexOf(dockerfile.filter((l) => l.startsWith('FROM ')).at(-1)!);
  const copy = dockerfile.slice(runtimeFrom).find((l) => / \.\/node_modules$|node_modules \.\/node_modules/.test(l));
  const stage = /--from=(\S+)/.exec(copy ?? '')?.[1];
  assert.ok(stage, 'node_modules copied from a build stage');
  const stageStart = dockerfile.findIndex((l) => new RegExp(`^FROM \\S+ AS ${stage}$`, 'i').test(l));
  const stageEnd = dockerfile.findIndex((l, i) => i > stageStart && l.startsWith('FROM '));
  const stageLines = dockerfile.slice(stageStart, stageEnd).join('\n');
  assert.match(stageLines, /npm ci [^&]*--omit=dev/);
  assert.doesNotMatch(stageLines, /npm ci (?![^&]*--omit=dev)/, 'every install of that stage omits dev dependencies');
});

test('Dockerfile › the code belongs to root, the app runs as node, and the health check follows PORT', () => {
  const runtime = dockerfile.slice(dockerfile.lastIndexOf(dockerfile.filter((l) => l.startsWith('FROM ')).at(-1)!));
  for (const line of runtime.filter((l) => l.startsWith('COPY'))) assert.doesNotMatch(line, /--chown/, line);
  assert.ok(runtime.includes('USER node'));
  const health = runtime.find((l) => l.startsWith('HEALTHCHECK')) ?? '';
  assert.match(health, /process\.env\.PORT/);
  assert.doesNotMatch(health, /:3000\b/);
});

test('deploy/docker-entrypoint.sh › builds DATABASE_URL from the parts, the password percent-encoded', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ashiato-entrypoint-'));
  try {
    const password = 'p@ss/w#rd?%:x y';
    fs.writeFileSync(path.join(dir, 'pw'), `${password}\n`);
    const env = {
      PATH: process.env.PATH,
      DATABASE_HOST: 'db',
      DATABASE_PASSWORD_FILE: path.join(dir, 'pw'),
      DATABASE_PASSWORD: '',
    };
    const r = spawnSync(
      'sh',
      [path.join(ROOT, 'deploy/docker-entrypoint.sh'), 'node', '-e', 'console.log(process.env.DATABASE_URL)'],
      { env, encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    const url = new URL(r.stdout.trim());
    assert.equal(decodeURIComponent(url.password), password);
    assert.equal(decodeURIComponent(url.username), 'ashiato');
    assert.equal(url.host, 'db:5432');
    assert.equal(url.pathname, '/ashiato');

    // A missing secret stops the container with a line saying which, before the command runs.
    const missing = spawnSync('sh', [path.join(ROOT, 'deploy/docker-entrypoint.sh'), 'echo', 'started'], {
      env: { ...env, DATABASE_PASSWORD_FILE: path.join(dir, 'none') },
      encoding: 'utf8',
    });
    assert.notEqual(missing.status, 0);
    assert.match(missing.stderr, /DATABASE_PASSWORD_FILE: cannot read/);
    assert.doesNotMatch(missing.stdout, /started/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('docker-compose.yml › PgBouncer is an optional profile the app role can go through; the owner always connects to db', () => {
  const all = services();
  const app = all.get('app')!;
  const bouncer = all.get('pgbouncer');
  assert.ok(bouncer, 'a pgbouncer service');
  assert.match(bouncer, /^ {4}profiles: \["pgbouncer"\]/m, 'started only with its profile');
  assert.doesNotMatch(app, /^ {6}pgbouncer:/m, 'the app does not depend on an optional service');
  assert.equal(setting(app, 'DATABASE_HOST'), 'db');
  // Direct by default (named statements); .env switches both together to go through PgBouncer.
  assert.equal(setting(app, 'DATABASE_APP_HOST'), '${DATABASE_APP_HOST:-db}');
  assert.equal(setting(app, 'DATABASE_APP_PORT'), '${DATABASE_APP_PORT:-5432}');
  assert.equal(setting(app, 'DATABASE_POOLER'), '${DATABASE_POOLER:-none}');
  assert.equal(setting(app, 'DATABASE_APP_PASSWORD_FILE'), setting(bouncer, 'APP_DB_PASSWORD_FILE'));
  assert.equal(setting(app, 'DATABASE_APP_USER'), setting(bouncer, 'APP_DB_USER'));
  assert.match(bouncer, /^ {4}image: \S+:v?\d+\.\d+/m, 'PgBouncer pinned by tag');
});

test('deploy/docker-entrypoint.sh › builds DATABASE_APP_URL from its parts too', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ashiato-entrypoint-'));
  try {
    fs.writeFileSync(path.join(dir, 'owner'), 'owner secret\n');
    fs.writeFileSync(path.join(dir, 'app'), 'a:b@c/d\n');
    const env = {
      PATH: process.env.PATH,
      DATABASE_HOST: 'db',
      DATABASE_PASSWORD_FILE: path.join(dir, 'owner'),
      DATABASE_APP_HOST: 'pgbouncer',
      DATABASE_APP_PORT: '6432',
      DATABASE_APP_USER: 'ashiato_app',
      DATABASE_APP_PASSWORD_FILE: path.join(dir, 'app'),
    };
    const r = spawnSync(
      'sh',
      [path.join(ROOT, 'deploy/docker-entrypoint.sh'), 'node', '-e', 'console.log(process.env.DATABASE_APP_URL)'],
      { env, encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    const url = new URL(r.stdout.trim());
    assert.equal(decodeURIComponent(url.password), 'a:b@c/d');
    assert.equal(decodeURIComponent(url.username), 'ashiato_app');
    assert.equal(url.host, 'pgbouncer:6432');
    assert.equal(url.pathname, '/ashiato');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('deploy/backup-loop.sh › keeps every backup of 48 hours, then the first of each day for 14 days, and never the newest', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ashiato-backups-'));
  try {
    const stamps = [
      '20261101T000000Z',
      '20261120T010000Z',
      '20261125T230000Z',
      '20261126T000500Z',
      '20261126T120000Z',
      '20261205T100000Z',
      '20261205T200000Z',
      '20261207T190000Z',
    ];
    for (const s of stamps)
      for (const f of [`ashiato-${s}.dump`, `ashiato-${s}.counts`, `uploads-${s}.tar.gz`])
        fs.writeFileSync(path.join(dir, f), '');
    fs.writeFileSync(path.join(dir, 'ashiato-20261207T200000Z.dump.partial'), '');
    const run = (args: string[], now: string) =>
      spawnSync('bash', [path.join(ROOT, 'deploy/backup-loop.sh'), ...args], {
        env: { PATH: process.env.PATH, BACKUP_DIR: dir, BACKUP_NOW: now },
        encoding: 'utf8',
      });
    const r = run(['--prune'], '20261207T200000Z');
    assert.equal(r.status, 0, r.stderr);
    const kept = fs
      .readdirSync(dir)
      .filter((f) => f.endsWith('.dump'))
      .map((f) => f.slice(8, -5))
      .sort();
    assert.deepEqual(kept, [
      '20261125T230000Z',
      '20261126T000500Z',
      '20261205T100000Z',
      '20261205T200000Z',
      '20261207T190000Z',
    ]);
    // A backup goes whole: no counts or photos archive left behind; a partial file is not a backup.
    assert.ok(!fs.existsSync(path.join(dir, 'uploads-20261126T120000Z.tar.gz')));
    assert.ok(!fs.existsSync(path.join(dir, 'ashiato-20261126T120000Z.counts')));
    assert.ok(fs.existsSync(path.join(dir, 'uploads-20261205T100000Z.tar.gz')));

    // The health check: healthy within two intervals of the newest backup, unhealthy past them.
    assert.equal(run(['--check'], '20261207T205900Z').status, 0);
    const stale = run(['--check'], '20261207T210100Z');
    assert.equal(stale.status, 1);
    assert.match(stale.stderr, /no backup younger than 120 minutes/);
    // Past every retention window the newest backup still stays.
    assert.equal(run(['--prune'], '20270601T000000Z').status, 0);
    assert.deepEqual(
      fs.readdirSync(dir).filter((f) => f.endsWith('.dump')),
      ['ashiato-20261207T190000Z.dump'],
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

function hasDockerCompose(): boolean {
  return spawnSync('docker-compose', ['version'], { encoding: 'utf8' }).status === 0;
}
