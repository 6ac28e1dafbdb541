/**
 * Portcullis: authentication for Koa. One barrel, named exports only: what an app needs on
 * day one. Store back-ends are in `portcullis/stores`, providers in `portcullis/providers`,
 * the test kit in `portcullis/testing`.
 * @packageDocumentation
 */
export { Portcullis } from './portcullis.js';
export {
  AuthError,
  isAuthError,
  badRequest,
  unauthorized,
  forbidden,
  providerError,
} from './errors.js';
export type { AuthErrorCode, AuthErrorType, AuthErrorOptions } from './errors.js';
export { Controller, Get, Post, Put, Patch, Delete } from './decorators/controller.js';
export type { RouteDecorator } from './decorators/controller.js';
export {
  LoginRequired,
  TokenRequired,
  OptionalAuth,
  Roles,
  RequireScopes,
} from './decorators/guards.js';
export type { GuardDecorator } from './decorators/guards.js';
export type { LoginRequiredOptions, TokenRequiredOptions } from './guards/guards.js';
export type { AuthContext, OptionalAuthContext, AuthContextMethods } from './request/context.js';
export type { RequestAuth, RequestTokens } from './request/auth.js';
export type { SignInRecord, SessionInfo } from './session/types.js';
export type {
  PortcullisOptions,
  SessionOptions,
  TokenOptions,
  CsrfOptions,
  AuthLogger,
  LoadedToken,
  OAuthOptions,
  OAuthLoginArgs,
  EmailOptions,
  PasswordOptions,
} from './options.js';
export type { LoginUrlOptions } from './oauth/service.js';
export type { Profile, ProviderTokens } from './oauth/types.js';
export type { IssuedTokens, IssueOptions, TokenType, VerifiedToken } from './tokens/service.js';
export type { AuthEvents, AuthEventName, AuthEventListener } from './events.js';
export type { ControllerLike, ControllersOptions } from './routing/controllers.js';
export { MemoryStore } from './stores/memory-store.js';
export type { MemoryStoreOptions } from './stores/memory-store.js';
export { MemoryUserStore } from './stores/memory-user-store.js';
export type {
  Store,
  UserStore,
  BaseUser,
  LinkedAccount,
  UniqueField,
  RevisionFeed,
  RateLimiterSpec,
} from './stores/types.js';
export { UniqueViolation, isUniqueViolation } from './stores/types.js';
export type { PasskeyOptions } from './passkeys/options.js';
export type { Passkey, PasskeyPatch, PasskeyInfo } from './stores/passkey.js';
export type { RequestPasskeys } from './passkeys/service.js';
export type { Duration } from './util/duration.js';
export { safeReturnTo } from './http/return-to.js';
export { SmtpMailer, ConsoleMailer, MemoryMailer } from './email/mailer.js';
export type { Mailer, Mail } from './email/mailer.js';
export { defaultTemplates } from './email/templates.js';
export { escapeHtml } from './http/html.js';
export { Argon2Hasher } from './passwords/hasher.js';
export type { PasswordHasher, Argon2Params } from './passwords/hasher.js';
export type { Templates, TemplateData, RenderedMail } from './email/templates.js';
export { normalizeEmail } from './email/address.js';
export type { RateLimitOptions, Limit, LimitedAction } from './ratelimit/limiter.js';
