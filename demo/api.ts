import { type AuthContext, Controller, Get, Post, TokenRequired } from 'portcullis';
import { field } from './forms.js';
import type { DemoUser } from './types.js';

type Ctx = AuthContext<DemoUser>;

interface Report {
  id: number;
  title: string;
  createdAt: string;
}

/**
 * The JSON API, for bearer tokens from the account page (`curl -H 'Authorization: Bearer …'`).
 * Failures are Portcullis's JSON errors: 401 `token_missing` / `token_invalid` / `token_expired`
 * / `token_revoked`, 403 `insufficient_scope`, each with its `WWW-Authenticate` challenge.
 */
@Controller('/api')
export class ApiController {
  /** Reports per user, in memory (sample data: it goes when the demo stops). */
  private readonly reports = new Map<string, Report[]>();

  @Get('/me')
  @TokenRequired('access')
  me(ctx: Ctx): Record<string, unknown> {
    const { id, email, name, anonymous } = ctx.state.user;
    return { id, email, name, guest: anonymous === true, scopes: ctx.auth.scopes };
  }

  /** Spends the refresh token and answers the next pair. */
  @Post('/refresh')
  @TokenRequired('refresh')
  refresh(ctx: Ctx): Promise<unknown> {
    return ctx.auth.tokens.rotate();
  }

  @Get('/reports')
  @TokenRequired('access', { scopes: ['reports:read'] })
  list(ctx: Ctx): { owner: string; reports: Report[] } {
    const user = ctx.state.user;
    return { owner: user.email ?? user.id, reports: this.of(user.id) };
  }

  /** `{ "title": "..." }` -> 201 and the new report. */
  @Post('/reports')
  @TokenRequired('access', { scopes: ['reports:write'] })
  create(ctx: Ctx): Report | { error: { code: string; message: string } } {
    const title = field(ctx, 'title').trim().slice(0, 200);
    if (!title) {
      ctx.status = 400;
      return { error: { code: 'invalid_request', message: 'Send { "title": "..." }.' } };
    }
    const list = this.of(ctx.state.user.id);
    const report = { id: list.length + 1, title, createdAt: new Date().toISOString() };
    list.push(report);
    ctx.status = 201;
    return report;
  }

  private of(userId: string): Report[] {
    let list = this.reports.get(userId);
    if (!list) {
      list = [{ id: 1, title: 'Welcome report', createdAt: new Date().toISOString() }];
      this.reports.set(userId, list);
    }
    return list;
  }
}
