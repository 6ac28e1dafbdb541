// Loaded by mocha before every test file (see .mocharc.json).
import 'reflect-metadata';

process.env.NODE_ENV ??= 'test';

/**
 * Known third-party lines that say nothing about Portcullis, dropped from the test output.
 * oidc-provider (the real OpenID provider of test/support/oauth-server.ts) prints these through
 * `console.warn` / `console.info` on every start, with no option to turn them off: the Node
 * version it prefers, its in-memory adapter (which the tests use on purpose), and the
 * defaults of functions the tests leave as they are. Anything else still prints.
 */
const THIRD_PARTY_NOISE: readonly RegExp[] = [
  /^oidc-provider WARNING: Unsupported runtime\. /,
  /^oidc-provider WARNING: a quick start development-only in-memory adapter is used, /,
  /^oidc-provider NOTICE: default [\w.]+ function called, you SHOULD change it /,
];

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[\d;]*m/g;

function isNoise(args: unknown[]): boolean {
  if (args.length !== 1 || typeof args[0] !== 'string') return false;
  const line = args[0].replace(ANSI, '');
  return THIRD_PARTY_NOISE.some((re) => re.test(line));
}

for (const level of ['warn', 'info'] as const) {
  const original = console[level].bind(console);
  console[level] = (...args: unknown[]): void => {
    if (!isNoise(args)) original(...args);
  };
}
