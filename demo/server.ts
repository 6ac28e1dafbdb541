import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDemoApp } from './app.js';

/**
 * `npm run demo`: the secret comes from PORTCULLIS_SECRET, or is generated on first run and kept
 * in demo/data/secret (git-ignored) so sessions survive restarts. Never a constant in the code.
 */
function secret(): string {
  if (process.env.PORTCULLIS_SECRET) return process.env.PORTCULLIS_SECRET;
  const dir =
    process.env.DEMO_DATA_DIR ??
    join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'demo', 'data');
  const file = join(dir, 'secret');
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    mkdirSync(dir, { recursive: true });
    const made = randomBytes(32).toString('base64url');
    writeFileSync(file, `${made}\n`, { mode: 0o600 });
    return made;
  }
}

const port = Number(process.env.PORT ?? 3000);
const { app } = await createDemoApp({ secret: secret() });
const server = app.listen(port, '127.0.0.1', () => {
  const { port: actual } = server.address() as { port: number };
  console.log(`Portcullis demo on http://localhost:${actual}`);
  console.log(
    'Sign-in methods on: session (one-click demo user), API tokens. Providers: none configured.',
  );
});
