import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ClientCredentials, createDemoApp } from './app.js';

/**
 * `npm run demo`. From the environment: PORT (3000), DEMO_DATA_DIR (demo/data), PORTCULLIS_SECRET
 * (else one generated on first run and kept in the data folder, mode 0600: never a constant in
 * the code), DEMO_IDP_PORT (PORT + 1; 0 for any free port), GITHUB_CLIENT_ID/SECRET and
 * GOOGLE_CLIENT_ID/SECRET (each provider is on only with both).
 */
const env = process.env;
const port = portOf('PORT', 3000);
const dataDir = resolve(
  env.DEMO_DATA_DIR || join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'demo', 'data'),
);
const idpPort = portOf('DEMO_IDP_PORT', port === 0 ? 0 : port + 1);

function portOf(name: string, fallback: number): number {
  const value = env[name] ? Number(env[name]) : fallback;
  if (Number.isInteger(value) && value >= 0 && value <= 65535) return value;
  console.error(`The demo cannot start: ${name} must be a port number (0 for any free port)`);
  process.exit(1);
}

/** The secret from PORTCULLIS_SECRET, or the one kept in the data folder (made on first run). */
function secret(): string {
  if (env.PORTCULLIS_SECRET) return env.PORTCULLIS_SECRET;
  const file = join(dataDir, 'secret');
  try {
    return readFileSync(file, 'utf8').trim();
  } catch {
    mkdirSync(dataDir, { recursive: true });
    const made = randomBytes(32).toString('base64url');
    writeFileSync(file, `${made}\n`, { mode: 0o600, flag: 'wx' });
    return made;
  }
}

function credentials(name: 'GITHUB' | 'GOOGLE'): ClientCredentials | undefined {
  const clientId = env[`${name}_CLIENT_ID`];
  const clientSecret = env[`${name}_CLIENT_SECRET`];
  return clientId && clientSecret ? { clientId, clientSecret } : undefined;
}

// Listen first, so that PORT=0 knows its port before the app's URLs are built from it.
const ready: { handler?: (req: IncomingMessage, res: ServerResponse) => void } = {};
const server = createServer((req, res) => {
  if (ready.handler) return ready.handler(req, res);
  res.statusCode = 503;
  res.end('starting\n');
});
await new Promise<void>((listening) => {
  server.once('error', (err: NodeJS.ErrnoException) => {
    const why = err.code === 'EADDRINUSE' ? `port ${port} is in use (set PORT)` : err.message;
    console.error(`The demo cannot start: ${why}`);
    process.exit(1);
  });
  server.listen(port, '127.0.0.1', () => listening());
});
const actual = (server.address() as { port: number }).port;
const url = `http://localhost:${actual}`;

const demo = await createDemoApp({
  secret: secret(),
  baseUrl: url,
  dataDir,
  idpPort,
  github: credentials('GITHUB'),
  google: credentials('GOOGLE'),
  redirectToBaseUrl: true,
}).catch((err: unknown) => {
  console.error(`The demo cannot start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
ready.handler = demo.app.callback();
const stop = (): void => {
  server.closeAllConnections();
  server.close();
  void demo.close().then(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);

const off = (['github', 'google'] as const)
  .filter((p) => !demo.providers.some((l) => l.name === p))
  .map(
    (p) =>
      `${p === 'github' ? 'GitHub' : 'Google'} (set ${p.toUpperCase()}_CLIENT_ID and ${p.toUpperCase()}_CLIENT_SECRET)`,
  );
console.log(`Portcullis demo on ${url}`);
console.log(
  'Sign-in methods on: password, magic link, email code, passkeys, guests, API tokens (bearer).',
);
const on = demo.providers.map((p) =>
  p.name === 'demo-id' ? `Demo ID (${demo.idp.issuer})` : p.label,
);
console.log(`Providers on: ${on.join(', ')}${off.length ? `; off: ${off.join(', ')}` : ''}.`);
if (demo.outbox) console.log(`Mails go to the outbox: ${url}/dev/outbox`);
console.log(`Data: ${join(dataDir, 'portcullis.db')}`);
