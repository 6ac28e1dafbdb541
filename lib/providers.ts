/**
 * `portcullis/providers`: OAuth 2 / OpenID Connect provider classes.
 *
 * This entry point is reserved so that apps can depend on its path today; the provider classes
 * (`OAuth2Provider`, `OIDCProvider`, `GitHub`, `Google`, ...) arrive with the OAuth release and
 * are listed in CHANGELOG.md when they do.
 * @packageDocumentation
 */
export {};
