import { expect } from 'chai';
import { MemoryUserStore, Portcullis } from '../../lib/index.js';
import { Bitbucket, Facebook, GitHub, LinkedIn, OAuth2, OIDC } from '../../lib/providers.js';
import { MemoryLogger, secretA } from '../support/app.js';

const endpoints = {
  authorizationEndpoint: 'https://id.example.com/authorize',
  tokenEndpoint: 'https://id.example.com/token',
  userinfoEndpoint: 'https://id.example.com/me',
};

describe('provider options, checked at construction', () => {
  it('warns at start for each provider without PKCE (RFC 9700 §2.1.1), and only for those', () => {
    const logger = new MemoryLogger();
    const c = { clientId: 'c', clientSecret: 's' };
    new Portcullis({
      secret: secretA,
      users: new MemoryUserStore(),
      logger,
      providers: [
        new GitHub(c),
        new Bitbucket(c),
        new Facebook(c),
        new LinkedIn(c),
        new OAuth2({ name: 'corp', ...c, ...endpoints, pkce: false }),
        new OAuth2({ name: 'fine', ...c, ...endpoints }),
      ],
    });
    const warned = logger.records
      .filter((r) => r.record.event === 'provider_without_pkce')
      .map((r) => r.record.provider);
    expect(warned).to.deep.equal(['bitbucket', 'facebook', 'linkedin', 'corp']);
  });

  it('refuses a provider without a client id, saying where to find one', () => {
    expect(() => new GitHub({ clientId: '', clientSecret: 's' })).to.throw(
      TypeError,
      /clientId is required/,
    );
  });

  it('refuses route names that are not lower-case letters, digits and -', () => {
    for (const name of ['Corp', 'a/b', '', 'x'.repeat(41), '-x', 'a b']) {
      expect(() => new OAuth2({ name, clientId: 'c', ...endpoints }), name).to.throw(
        TypeError,
        /provider name/,
      );
    }
  });

  it('refuses plain-http endpoints and issuers unless allowInsecureRequests is set', () => {
    const http = { ...endpoints, tokenEndpoint: 'http://id.example.com/token' };
    expect(() => new OAuth2({ name: 'x', clientId: 'c', ...http })).to.throw(
      TypeError,
      /tokenEndpoint must be https/,
    );
    expect(
      () => new OAuth2({ name: 'x', clientId: 'c', ...http, allowInsecureRequests: true }),
    ).not.to.throw();
    expect(() => new OIDC({ name: 'x', clientId: 'c', issuer: 'http://127.0.0.1:4000' })).to.throw(
      TypeError,
      /https/,
    );
    expect(
      () =>
        new OIDC({
          name: 'x',
          clientId: 'c',
          issuer: 'http://127.0.0.1:4000',
          allowInsecureRequests: true,
        }),
    ).not.to.throw();
    expect(
      () => new OAuth2({ name: 'x', clientId: 'c', ...endpoints, userinfoEndpoint: '/me' }),
    ).to.throw(TypeError, /absolute URL/);
  });

  it('refuses two providers with one name, a name a built-in route uses, and non-providers', () => {
    const make = (providers: unknown[]) =>
      new Portcullis({
        secret: secretA,
        users: new MemoryUserStore(),
        providers: providers as never,
      });
    const a = new OAuth2({ name: 'corp', clientId: 'c', ...endpoints });
    expect(() => make([a, new OAuth2({ name: 'corp', clientId: 'd', ...endpoints })])).to.throw(
      TypeError,
      /two providers/,
    );
    for (const name of ['token', 'logout', 'me', 'error', 'magic', 'passkeys', 'sessions']) {
      expect(() => make([new OAuth2({ name, clientId: 'c', ...endpoints })]), name).to.throw(
        TypeError,
        /taken/,
      );
    }
    expect(() => make([{ name: 'fake' }])).to.throw(TypeError, /provider instance/);
  });

  it('refuses client_secret_basic or _post without a secret when the flow needs it', async () => {
    const p = new OAuth2({
      name: 'x',
      clientId: 'c',
      ...endpoints,
      clientAuth: 'client_secret_post',
    });
    expect(() => p.clientAuthentication()).to.throw(TypeError, /needs clientSecret/);
  });
});
