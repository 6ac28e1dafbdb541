/**
 * A real OpenID Connect provider (`oidc-provider`) on 127.0.0.1, driven programmatically: its
 * login interaction signs in whoever the test named in `idp.account`, and consent is granted
 * at once. Authorization code + PKCE, refresh tokens, RFC 7009 revocation, UserInfo, RFC 9207
 * `iss` in authorization responses.
 */
import { exportJWK, generateKeyPair } from 'jose';
import Provider, { type Configuration } from 'oidc-provider';
import { listen, type Running } from './server.js';

export interface Idp {
  issuer: string;
  provider: Provider;
  /** The account the next login interaction signs in. */
  account: string;
  /** Claims per account (sub is the account id). */
  claims: Map<string, Record<string, unknown>>;
  /** Grants revoked (a refresh token revoked through the revocation endpoint revokes its grant). */
  revoked: string[];
  /** The grant_type of every successful token request, in order. */
  grants: string[];
  close(): Promise<void>;
}

export const IDP_CLIENT = {
  clientId: 'portcullis-test',
  clientSecret: 'a-client-secret-for-tests-0123456789',
};

export async function startIdp(
  redirectUris: () => string[],
  options: { accessTokenTtl?: number } = {},
): Promise<Idp> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(privateKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  const state: Idp = {
    issuer: '',
    provider: undefined as unknown as Provider,
    account: 'alice',
    claims: new Map(),
    revoked: [],
    grants: [],
    close: async () => running.close(),
  };
  let handler: ((req: never, res: never) => void) | undefined;
  // built at the first request, when the app (and so its redirect URIs) exists
  const running: Running = await listen(((req: never, res: never) =>
    (handler ??= build())(req, res)) as never);
  state.issuer = running.url;
  const build = (): ((req: never, res: never) => void) => {
    const config: Configuration = {
      clients: [
        {
          client_id: IDP_CLIENT.clientId,
          client_secret: IDP_CLIENT.clientSecret,
          redirect_uris: redirectUris(),
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
          token_endpoint_auth_method: 'client_secret_basic',
        },
      ],
      jwks: { keys: [jwk as never] },
      cookies: { keys: ['idp-cookie-key-0123456789'] },
      scopes: ['openid', 'offline_access', 'email', 'profile'],
      claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'picture'] },
      features: {
        devInteractions: { enabled: false },
        revocation: { enabled: true },
        userinfo: { enabled: true },
      },
      pkce: { required: () => true },
      ttl: {
        AccessToken: options.accessTokenTtl ?? 3600,
        IdToken: 3600,
        RefreshToken: 86400,
        Grant: 86400,
        Interaction: 600,
        Session: 86400,
      },
      interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
      issueRefreshToken: () => true,
      findAccount: (_ctx, sub) => ({
        accountId: sub,
        claims: () => ({
          sub,
          email: `${sub}@example.com`,
          email_verified: true,
          name: sub[0]!.toUpperCase() + sub.slice(1),
          ...state.claims.get(sub),
        }),
      }),
      loadExistingGrant: async (ctx) => {
        const oidc = ctx.oidc;
        const grant = new oidc.provider.Grant({
          clientId: oidc.client!.clientId,
          accountId: oidc.session!.accountId!,
        });
        grant.addOIDCScope('openid email profile offline_access');
        await grant.save();
        return grant;
      },
    };
    const provider = new Provider(state.issuer, config);
    (provider as unknown as NodeJS.EventEmitter).on(
      'grant.revoked',
      (_ctx: unknown, grantId: string) => {
        state.revoked.push(grantId);
      },
    );
    (provider as unknown as NodeJS.EventEmitter).on(
      'grant.success',
      (ctx: { oidc: { params?: { grant_type?: string } } }) => {
        state.grants.push(String(ctx.oidc.params?.grant_type));
      },
    );
    provider.use(async (ctx, next) => {
      const m = /^\/interaction\/([^/]+)$/.exec(ctx.path);
      if (!m) return next();
      const details = await provider.interactionDetails(ctx.req, ctx.res);
      const result = details.prompt.name === 'login' ? { login: { accountId: state.account } } : {};
      const url = await provider.interactionResult(ctx.req, ctx.res, result, {
        mergeWithLastSubmission: true,
      });
      ctx.redirect(url);
    });
    state.provider = provider;
    return provider.callback() as never;
  };
  return state;
}
