/**
 * Micro-benchmarks, one thread, warm: prints a JSON array of { name, opsPerSec }.
 * "cold" means every operation gets a value it has not seen (no cache can help).
 */
import { jwtVerify } from 'jose';
import { AuthEventBus } from '../lib/events.js';
import { Keyring } from '../lib/keys/keyring.js';
import { seal, unseal } from '../lib/session/seal.js';
import { MemoryStore } from '../lib/stores/memory-store.js';
import { signAccessToken } from '../lib/tokens/access.js';
import { Hs256Verifier } from '../lib/tokens/hs256.js';
import { Generations } from '../lib/tokens/generations.js';
import { TokenService } from '../lib/tokens/service.js';

const ring = new Keyring([Buffer.from('bench-secret-0123456789abcdefghijklmnop')]);
const cfg = {
  issuer: 'https://app.example.com',
  audience: 'https://app.example.com',
  ttlMs: 3_600_000,
  clockSkewSec: 30,
};
const N = 10_000;

const MS = Number(process.argv[2] ?? 1000);

async function measure(
  name: string,
  op: (i: number) => unknown,
  ms = MS,
): Promise<{ name: string; opsPerSec: number }> {
  const run = async (budget: number): Promise<number> => {
    const end = performance.now() + budget;
    let n = 0;
    while (performance.now() < end) {
      for (let k = 0; k < 100; k++) {
        const r = op(n++);
        if (r instanceof Promise) await r;
      }
    }
    return n;
  };
  await run(Math.min(200, ms));
  const start = performance.now();
  const n = await run(ms);
  return { name, opsPerSec: n / ((performance.now() - start) / 1000) };
}

const session = {
  $pc: { s: 'sid-0123456789abcdef', u: 'u123', c: Date.now(), t: Date.now() },
  _expire: Date.now() + 1e9,
  _maxAge: 1e9,
};
const sealed = Array.from({ length: N }, (_, i) =>
  seal(ring, 'session', { ...session, $pc: { ...session.$pc, u: `u${i}` } }),
);
const tokens = await Promise.all(
  Array.from({ length: N }, (_, i) =>
    signAccessToken(ring, cfg, { sub: `u${i}`, scopes: ['read'], gen: 0 }).then((t) => t.token),
  ),
);
const hs256 = new Hs256Verifier(ring, cfg);
const store = new MemoryStore();
const service = new TokenService(
  ring,
  store,
  cfg,
  30 * 86_400_000,
  new Generations(store, 31 * 86_400_000),
  new AuthEventBus(() => undefined),
);
let refresh = (await service.issue({ id: 'u1' })).refreshToken;

const rows = [
  await measure('session seal (AES-256-GCM)', () => seal(ring, 'session', session)),
  await measure('session unseal, cold', (i) => unseal(ring, 'session', sealed[i % N]!)),
  await measure('access token issue (jose SignJWT)', () =>
    signAccessToken(ring, cfg, { sub: 'u1', scopes: ['read'], gen: 0 }),
  ),
  await measure('access token verify, cold (node:crypto HS256)', (i) =>
    hs256.verify(tokens[i % N]!, Date.now() / 1000),
  ),
  await measure('access token verify, cold (jose jwtVerify, for reference)', (i) =>
    jwtVerify(tokens[i % N]!, ring.current('access').key, {
      issuer: cfg.issuer,
      audience: cfg.audience,
    }),
  ),
  await measure('refresh rotation (MemoryStore)', async () => {
    refresh = (await service.rotate(refresh)).refreshToken;
  }),
];
await store.close();
process.stdout.write(`${JSON.stringify(rows)}\n`);
