import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import Provider, { type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { esc } from './views.js';

/** The people who can sign in at Demo ID. */
export const DEMO_ID_ACCOUNTS: ReadonlyArray<{ id: string; name: string; email: string }> = [
  { id: 'ada', name: 'Ada Lovelace', email: 'ada@example.com' },
  { id: 'grace', name: 'Grace Hopper', email: 'grace@example.com' },
];

/** A running Demo ID. */
export interface DemoIdp {
  /** `http://127.0.0.1:<port>`: what the app's `OIDC` provider discovers. */
  issuer: string;
  clientId: string;
  clientSecret: string;
  close(): Promise<void>;
}

/**
 * "Demo ID": a real OpenID Connect provider (`oidc-provider`) on 127.0.0.1, in the demo's own
 * process, so that provider sign-in works offline through the same `OIDC` class a real app
 * uses. Its sign-in page lets you pick one of {@link DEMO_ID_ACCOUNTS} (or cancel); consent is
 * implied for the demo's one client. Everything it knows lives in memory.
 */
export async function startDemoIdp(options: {
  port: number;
  redirectUri: string;
}): Promise<DemoIdp> {
  const server = createServer(); // its handler comes once the issuer (and so the port) is known
  await listen(server, options.port);
  const { port } = server.address() as { port: number };
  const idp: DemoIdp = {
    issuer: `http://127.0.0.1:${port}`,
    clientId: 'portcullis-demo',
    clientSecret: randomBytes(32).toString('base64url'),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  const provider = new Provider(idp.issuer, configuration(idp, options.redirectUri));
  provider.use(interactions(provider));
  server.on('request', provider.callback());
  return idp;
}

function configuration(idp: DemoIdp, redirectUri: string): Configuration {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = {
    ...privateKey.export({ format: 'jwk' }),
    kid: 'demo-id-1',
    alg: 'RS256',
    use: 'sig',
  };
  return {
    clients: [
      {
        client_id: idp.clientId,
        client_secret: idp.clientSecret,
        redirect_uris: [redirectUri],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    jwks: { keys: [jwk as never] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    scopes: ['openid', 'email', 'profile'],
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    features: {
      devInteractions: { enabled: false },
      // Portcullis revokes the provider's tokens at sign-out; a client may revoke only its own.
      revocation: {
        enabled: true,
        allowedPolicy: (_ctx, client, token) => token.clientId === client.clientId,
      },
    },
    pkce: { required: () => true },
    ttl: { AccessToken: 3600, IdToken: 3600, Grant: 86400, Interaction: 600, Session: 86400 },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    renderError: (ctx, out) => {
      ctx.type = 'html';
      ctx.body = shell(`<h1>Demo ID</h1><p>${esc(out.error_description ?? out.error)}</p>`);
    },
    findAccount: (_ctx, sub) => {
      const account = DEMO_ID_ACCOUNTS.find((a) => a.id === sub);
      if (!account) return undefined;
      return {
        accountId: sub,
        claims: () => ({ sub, email: account.email, email_verified: true, name: account.name }),
      };
    },
    // The demo's own app is the only client: consent is implied.
    loadExistingGrant: async (ctx) => {
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client!.clientId,
        accountId: ctx.oidc.session!.accountId!,
      });
      grant.addOIDCScope('openid email profile');
      await grant.save();
      return grant;
    },
  };
}

/** `GET /interaction/:uid`: pick an account; `POST` it (or cancel) to finish the sign-in. */
function interactions(provider: Provider) {
  return async (ctx: KoaContextWithOIDC, next: () => Promise<void>): Promise<void> => {
    const m = /^\/interaction\/([\w-]+)$/.exec(ctx.path);
    if (!m) return next();
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    if (ctx.method === 'GET') {
      ctx.type = 'html';
      ctx.set('Cache-Control', 'no-store');
      ctx.body = chooser(details.uid);
      return;
    }
    if (ctx.method !== 'POST') return void (ctx.status = 405);
    const form = new URLSearchParams(await readBody(ctx));
    const account = DEMO_ID_ACCOUNTS.find((a) => a.id === form.get('account'));
    const result = account
      ? { login: { accountId: account.id } }
      : { error: 'access_denied', error_description: 'The user cancelled at Demo ID.' };
    ctx.status = 303;
    ctx.redirect(
      await provider.interactionResult(ctx.req, ctx.res, result, {
        mergeWithLastSubmission: false,
      }),
    );
  };
}

function chooser(uid: string): string {
  const buttons = DEMO_ID_ACCOUNTS.map(
    (a) =>
      `<button name="account" value="${esc(a.id)}">${esc(a.name)} <small>${esc(a.email)}</small></button>`,
  ).join('\n');
  return shell(`<h1>Demo ID</h1>
<p>A pretend identity provider, running inside the Portcullis demo (oidc-provider on this port).
Choose who you are; Demo ID vouches for the email address.</p>
<form method="post" action="/interaction/${esc(uid)}">
${buttons}
<button class="cancel" name="cancel" value="1">Cancel</button>
</form>`);
}

/** Demo ID's page frame (its own look, so it reads as another site). */
function shell(body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · Demo ID</title>
<style>
  body { font: 16px/1.5 system-ui, sans-serif; background: #20293a; color: #1d2433; margin: 0; }
  main { max-width: 24rem; margin: 4rem auto; background: #fff; border-radius: 10px; padding: 1.5rem; }
  h1 { margin-top: 0; font-size: 1.3rem; } p { color: #5d6b82; font-size: .9rem; }
  button { display: block; width: 100%; font: inherit; text-align: left; padding: .6rem .8rem; margin: .5rem 0;
    border: 1px solid #8a5cd0; background: #f6f1fd; border-radius: 6px; cursor: pointer; }
  button small { display: block; color: #5d6b82; } button.cancel { border-color: #ccc; background: #fff; }
</style></head>
<body><main>
${body}
</main></body></html>`;
}

async function readBody(ctx: KoaContextWithOIDC): Promise<string> {
  let raw = '';
  for await (const chunk of ctx.req) {
    raw += String(chunk);
    if (raw.length > 2048) break;
  }
  return raw;
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new Error(`Demo ID cannot listen on port ${port}: it is in use (set DEMO_IDP_PORT)`)
          : err,
      ),
    );
    server.listen(port, '127.0.0.1', () => resolve());
  });
}
