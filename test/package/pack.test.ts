import { expect } from 'chai';
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { transform } from 'esbuild';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** The README's example: the code block after the `readme-example` marker. */
export function readmeExample(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const at = readme.indexOf('<!-- readme-example');
  const block = /```ts\n([\s\S]*?)```/.exec(readme.slice(at));
  if (at < 0 || !block) throw new Error('README.md has no readme-example block');
  return block[1]!;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

async function waitForServer(base: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      await fetch(`${base}/me`);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error('the example did not start');
}

describe('the packed package', function () {
  this.timeout(180_000);
  let dir: string;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'portcullis-pack-'));
    execFileSync(npm, ['pack', '--ignore-scripts', '--silent', '--pack-destination', dir], {
      cwd: root,
      stdio: 'pipe',
    });
    const tarball = readdirSync(dir).find((f) => f.endsWith('.tgz'))!;
    const versions = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).devDependencies;
    writeFileSync(
      join(dir, 'package.json'),
      JSON.stringify({ name: 'readme-app', private: true, type: 'module' }),
    );
    execFileSync(
      npm,
      [
        'install',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        '--silent',
        `./${tarball}`,
        `koa@${versions.koa}`,
        'reflect-metadata',
        `@types/koa@${versions['@types/koa']}`,
        `@types/node@${versions['@types/node']}`,
      ],
      { cwd: dir, stdio: 'pipe' },
    );
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  it('ships only the library, README and CHANGELOG', () => {
    const files = execFileSync('tar', ['-tzf', readdirSync(dir).find((f) => f.endsWith('.tgz'))!], {
      cwd: dir,
    })
      .toString()
      .split('\n')
      .filter(Boolean);
    expect(files).to.include('package/dist/lib/index.js');
    expect(files).to.include('package/dist/lib/index.d.ts');
    expect(files).to.include('package/README.md');
    expect(files.filter((f) => /dist\/(test|demo)\/|\.build-/.test(f))).to.deep.equal([]);
  });

  it('type-checks the README example against the published types', () => {
    writeFileSync(join(dir, 'example.ts'), readmeExample());
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          experimentalDecorators: true,
          noEmit: true,
          types: ['node'],
        },
        files: ['example.ts'],
      }),
    );
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    try {
      execFileSync(process.execPath, [tsc, '-p', 'tsconfig.json'], { cwd: dir, stdio: 'pipe' });
    } catch (err) {
      throw new Error(String((err as { stdout?: Buffer }).stdout ?? err), { cause: err });
    }
  });

  it('runs the README example: sign in, session route, tokens, scoped API route', async () => {
    const { code } = await transform(readmeExample(), {
      loader: 'ts',
      format: 'esm',
      target: 'es2022',
      tsconfigRaw: { compilerOptions: { experimentalDecorators: true } },
    });
    writeFileSync(join(dir, 'example.mjs'), code);
    const port = await freePort();
    const child = spawn(process.execPath, ['example.mjs'], {
      cwd: dir,
      env: {
        ...process.env,
        PORT: String(port),
        PORTCULLIS_SECRET: 'a-readme-test-secret-of-40-characters-xx',
      },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += String(d)));
    const base = `http://127.0.0.1:${port}`;
    try {
      await waitForServer(base);
      const anonymous = await fetch(`${base}/me`);
      expect(anonymous.status).to.equal(401);
      const login = await fetch(`${base}/login`, { method: 'POST' });
      expect(login.status).to.equal(200);
      const cookie = login.headers
        .getSetCookie()
        .map((c) => c.split(';')[0])
        .join('; ');
      const me = await fetch(`${base}/me`, { headers: { cookie } });
      expect(await me.json()).to.deep.equal({ email: 'alice@example.com' });
      const tokens = await fetch(`${base}/tokens`, {
        method: 'POST',
        headers: { cookie, origin: base },
      });
      const { accessToken } = (await tokens.json()) as { accessToken: string };
      const data = await fetch(`${base}/api/data`, {
        headers: { authorization: `Bearer ${accessToken}` },
      });
      expect(await data.json()).to.deep.equal({ hello: 'alice@example.com' });
      const noToken = await fetch(`${base}/api/data`);
      expect(noToken.status).to.equal(401);
    } finally {
      child.kill();
    }
    expect(stderr).not.to.match(/Error/);
  });
});
