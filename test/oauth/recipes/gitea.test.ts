import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type OAuthApp, startApp } from '../../support/oauth-app.js';
import { Browser } from '../../support/browser.js';
import { type Fake, startFake } from '../../support/oauth-fake.js';
import { Gitea } from './gitea.js';

const root = fileURLToPath(new URL('../../../../', import.meta.url));

describe('docs/oauth.md recipe: a provider class in under 30 lines (Gitea)', () => {
  let fake: Fake;
  let app: OAuthApp;
  before(async () => {
    fake = await startFake(['gitea.example.com']);
    fake.router.post('/login/oauth/access_token', (ctx) => {
      const { form } = ctx.state.rec;
      const basic = fake.basic(ctx.state.rec.headers);
      const ok =
        basic?.id === 'gitea-app' &&
        fake.redeem(
          form.get('code') ?? '',
          form.get('code_verifier') ?? undefined,
          form.get('redirect_uri') ?? undefined,
        );
      ctx.status = ok ? 200 : 400;
      ctx.body = ok
        ? { access_token: 'gitea-token', token_type: 'bearer', expires_in: 3600 }
        : { error: 'invalid_grant' };
    });
    fake.router.get('/api/v1/user', (ctx) => {
      if (ctx.get('authorization') !== 'Bearer gitea-token') return void (ctx.status = 401);
      ctx.body = {
        id: 7,
        email: 'ada@example.com',
        full_name: 'Ada',
        avatar_url: 'https://gitea.example.com/avatar/7',
      };
    });
    app = await startApp(() => [
      new Gitea({ clientId: 'gitea-app', clientSecret: 'gitea-secret-0123', fetch: fake.fetch }),
    ]);
  });
  after(async () => {
    await app?.close();
    await fake?.close();
  });

  it('signs in through the recipe class', async () => {
    const browser = new Browser();
    const start = await browser.request(`${app.url}/auth/gitea/login`);
    expect(
      start.location!.href.startsWith('https://gitea.example.com/login/oauth/authorize?'),
    ).to.equal(true);
    const done = await browser.request(fake.authorize(start.location!));
    expect(done.location!.pathname).to.equal('/');
    const me = JSON.parse((await browser.request(`${app.url}/me`)).body) as {
      user: Record<string, unknown>;
    };
    expect(me.user).to.include({ name: 'Ada', picture: 'https://gitea.example.com/avatar/7' });
    expect(me.user.email).to.equal(undefined); // Gitea's email is not verified: not claimed
  });

  it('is quoted verbatim in docs/oauth.md, and is under 30 lines', () => {
    const recipe = readFileSync(`${root}test/oauth/recipes/gitea.ts`, 'utf8').trim();
    const docs = readFileSync(`${root}docs/oauth.md`, 'utf8');
    expect(docs).to.contain(recipe);
    expect(recipe.split('\n').length).to.be.below(30);
  });
});
