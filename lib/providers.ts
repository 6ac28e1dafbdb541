/**
 * `portcullis/providers`: OAuth 2.0 / OpenID Connect provider classes. Built-in providers each
 * live in one file under `lib/oauth/providers/` and can be subclassed; `OAuth2` and `OIDC`
 * configure any other provider; `OAuth2Provider` and `OIDCProvider` are the base classes.
 * @packageDocumentation
 */
export { OAuth2Provider, standardProfile } from './oauth/provider.js';
export type {
  ProviderOptions,
  OAuth2ProviderOptions,
  ClientAuthMethod,
  ProviderFetch,
} from './oauth/provider.js';
export { OIDCProvider } from './oauth/oidc.js';
export type { OIDCProviderOptions } from './oauth/oidc.js';
export { OAuth2, OIDC } from './oauth/generic.js';
export type { ProfileMapper } from './oauth/generic.js';
export type { Profile, ProviderTokens, ProfileContext } from './oauth/types.js';
export { GitHub } from './oauth/providers/github.js';
export type { GitHubOptions } from './oauth/providers/github.js';
export { HuggingFace } from './oauth/providers/huggingface.js';
export type { HuggingFaceOptions } from './oauth/providers/huggingface.js';
export { LinkedIn } from './oauth/providers/linkedin.js';
export type { LinkedInOptions } from './oauth/providers/linkedin.js';
export { Slack } from './oauth/providers/slack.js';
export type { SlackOptions } from './oauth/providers/slack.js';
export { Discord } from './oauth/providers/discord.js';
export type { DiscordOptions } from './oauth/providers/discord.js';
export { Bitbucket } from './oauth/providers/bitbucket.js';
export type { BitbucketOptions } from './oauth/providers/bitbucket.js';
export { GitLab } from './oauth/providers/gitlab.js';
export type { GitLabOptions } from './oauth/providers/gitlab.js';
export { Facebook } from './oauth/providers/facebook.js';
export type { FacebookOptions } from './oauth/providers/facebook.js';
export { X, Twitter } from './oauth/providers/x.js';
export type { XOptions } from './oauth/providers/x.js';
export { VK } from './oauth/providers/vk.js';
export type { VKOptions } from './oauth/providers/vk.js';
export { Yandex } from './oauth/providers/yandex.js';
export type { YandexOptions } from './oauth/providers/yandex.js';
export { Google } from './oauth/providers/google.js';
export type { GoogleOptions } from './oauth/providers/google.js';
export { Microsoft } from './oauth/providers/microsoft.js';
export type { MicrosoftOptions } from './oauth/providers/microsoft.js';
export { Apple } from './oauth/providers/apple.js';
export type { AppleOptions } from './oauth/providers/apple.js';
