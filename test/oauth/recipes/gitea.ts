import { OAuth2Provider, type Profile, type ProviderOptions } from 'portcullis/providers';
import type { ProviderTokens } from 'portcullis/providers';

type GiteaUser = { id: number; email: string; full_name: string; avatar_url: string };

/** Sign in with a Gitea server (https://gitea.example.com by default). */
export class Gitea extends OAuth2Provider {
  private readonly api: string;

  constructor(opts: Omit<ProviderOptions, 'name'> & { site?: string }) {
    const site = opts.site ?? 'https://gitea.example.com';
    super({
      name: 'gitea',
      scopes: ['read:user'],
      ...opts,
      authorizationEndpoint: `${site}/login/oauth/authorize`,
      tokenEndpoint: `${site}/login/oauth/access_token`,
    });
    this.api = `${site}/api/v1`;
  }

  override async profile(tokens: ProviderTokens): Promise<Profile> {
    const u = await this.fetchJson<GiteaUser>(`${this.api}/user`, tokens);
    const { id, email, full_name: name, avatar_url: picture } = u;
    return { id: String(id), email, emailVerified: false, name, picture, raw: { ...u } };
  }
}
