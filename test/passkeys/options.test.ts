import { expect } from 'chai';
import { passkeyOptions } from '../../lib/passkeys/options.js';
import { client, codeOf, startPasskeyApp } from '../support/passkey-app.js';
import { SoftAuthenticator } from '../support/authenticator.js';

describe('passkeyOptions()', () => {
  it('defaults from baseUrl: RP ID its hostname, origins its origin, name its host, UV required, 5 minutes', () => {
    expect(passkeyOptions(undefined, 'https://app.example.com:8443')).to.deep.equal({
      rpName: 'app.example.com:8443',
      rpId: 'app.example.com',
      origins: ['https://app.example.com:8443'],
      userVerification: 'required',
      timeoutMs: 300_000,
      requested: false,
    });
  });

  it('leaves RP ID, name and origins to each request in development without baseUrl', () => {
    expect(passkeyOptions({}, undefined)).to.deep.equal({
      rpName: undefined,
      rpId: undefined,
      origins: undefined,
      userVerification: 'required',
      timeoutMs: 300_000,
      requested: true,
    });
  });

  it('accepts a parent domain as RP ID and origins below it', () => {
    const o = passkeyOptions(
      {
        rpId: 'example.com',
        origins: ['https://app.example.com/x', 'https://example.com'],
        userVerification: 'preferred',
        timeout: '2m',
      },
      'https://app.example.com',
    );
    expect(o).to.include({
      rpId: 'example.com',
      userVerification: 'preferred',
      timeoutMs: 120_000,
    });
    expect(o.origins).to.deep.equal(['https://app.example.com', 'https://example.com']);
  });

  const refused: Array<[string, Parameters<typeof passkeyOptions>[0], RegExp]> = [
    [
      'an origin off the RP ID',
      { rpId: 'example.com', origins: ['https://evil.com'] },
      /not on the RP ID example.com/,
    ],
    [
      'an origin that only ends like the RP ID',
      { rpId: 'example.com', origins: ['https://badexample.com'] },
      /not on the RP ID/,
    ],
    ['a non-http origin', { origins: ['ftp://example.com'] }, /is not http\(s\)/],
    ['no origins', { origins: [] }, /at least one origin/],
    ['an RP ID that is not a domain', { rpId: 'https://example.com' }, /must be a domain name/],
    [
      'an RP ID with no origin to use it from',
      { rpId: 'example.com' },
      /needs baseUrl or passkeys.origins/,
    ],
    [
      'another userVerification',
      { userVerification: 'discouraged' as 'preferred' },
      /'required' or 'preferred'/,
    ],
    ['a timeout under 30 seconds', { timeout: '10s' }, /30 seconds to 10 minutes/],
    ['a timeout over 10 minutes', { timeout: '11m' }, /30 seconds to 10 minutes/],
  ];
  for (const [what, options, message] of refused) {
    it(`refuses ${what} with a TypeError`, () => {
      expect(() => passkeyOptions(options, undefined)).to.throw(TypeError, message);
    });
  }
});

describe('passkeys options at work', () => {
  it("checks against the configured origins, not the request's", async () => {
    const app = await startPasskeyApp({
      passkeys: { rpId: 'localhost', origins: ['http://localhost:1'] },
    });
    try {
      const c = client(app);
      await c.signIn(app.alice);
      const options = JSON.parse((await c.post('/auth/passkeys/register/options')).body);
      expect(options.rp.id).to.equal('localhost');
      const res = await c.register(new SoftAuthenticator()); // from app.url, not localhost:1
      expect(res.status).to.equal(400);
      expect(codeOf(res)).to.equal('passkey_invalid');
      const ok = await c.register(new SoftAuthenticator(), { origin: 'http://localhost:1' });
      expect(ok.status, ok.body).to.equal(201);
    } finally {
      await app.close();
    }
  });

  it("userVerification: 'preferred' asks for it and accepts a bare touch", async () => {
    const app = await startPasskeyApp({ passkeys: { userVerification: 'preferred' } });
    try {
      const c = client(app);
      await c.signIn(app.alice);
      const authn = new SoftAuthenticator();
      expect((await c.register(authn, { uv: false })).status).to.equal(201);
      const other = client(app);
      expect((await other.loginOptions()).userVerification).to.equal('preferred');
      const res = await other.login(authn, { uv: false });
      expect(res.status, res.body).to.equal(200);
      expect(await other.signedIn()).to.equal(true);
    } finally {
      await app.close();
    }
  });
});
