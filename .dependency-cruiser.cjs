/**
 * The layering of lib/ (docs/architecture.md), enforced by `npm run lint`:
 * 1. no import cycles, type-only imports included;
 * 2. the foundations (util, keys, http, stores, errors) import no capability, no core,
 *    no options and nothing of the request;
 * 3. only the composition (portcullis.ts, index.ts, routing/routes.ts and request/ itself)
 *    imports request/ or the composition root;
 * 4. a capability uses another capability only through its public modules (below); everything
 *    else in a folder is that folder's own.
 */
const PUBLIC = [
  // a capability's contract: its service, options, routes, part of ctx.auth and types
  '^lib/[^/]+/(service|options|routes|part|types|events)\\.ts$',
  // the foundations are shared by all
  '^lib/(util|keys|http|stores)/',
  // named entry points of a capability, used by the others
  '^lib/session/(sign-in|session|seal|devices)\\.ts$',
  '^lib/tokens/(bearer|generations|challenge|header)\\.ts$',
  '^lib/accounts/(guests|email-proof|browser|methods|lease|public-user)\\.ts$',
  '^lib/email/(outbox|address|mailer|templates)\\.ts$',
  '^lib/passwords/hasher\\.ts$',
  '^lib/oauth/provider\\.ts$',
  '^lib/ratelimit/limiter\\.ts$',
  '^lib/guards/guards\\.ts$',
  '^lib/decorators/(metadata|controller|guards)\\.ts$',
  '^lib/request/(auth|context)\\.ts$',
  '^lib/routing/(controllers|routes)\\.ts$',
];

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'An import cycle, type-only or not: move the shared piece down a layer.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'foundations-stay-down',
      comment: 'util, keys, http, stores and errors are below every capability.',
      severity: 'error',
      from: { path: '^lib/((util|keys|http|stores)/|errors\\.ts$)' },
      to: {
        path: '^lib/',
        pathNot: '^lib/((util|keys|http|stores)/|errors\\.ts$)',
      },
    },
    {
      name: 'request-is-the-top',
      comment: 'Only the composition reaches ctx.auth (request/) or the Portcullis class.',
      severity: 'error',
      from: {
        path: '^lib/',
        pathNot: '^lib/(portcullis\\.ts|index\\.ts|routing/routes\\.ts|request/)',
      },
      to: { path: '^lib/(request/|portcullis\\.ts$|index\\.ts$)' },
    },
    {
      name: 'no-feature-internals',
      comment: "A capability uses another's public modules only (see PUBLIC).",
      severity: 'error',
      from: { path: '^lib/([^/]+)/' },
      to: { path: '^lib/[^/]+/', pathNot: ['^lib/$1/', ...PUBLIC] },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    doNotFollow: { path: 'node_modules' },
    exclude: { path: 'node_modules' },
  },
};
