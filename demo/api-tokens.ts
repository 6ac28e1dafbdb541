import { createCipheriv, createDecipheriv, hkdfSync, randomBytes, randomUUID } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import type { IssuedTokens } from 'portcullis';

/** One API token as the account page lists it (never the token itself). */
export interface ApiToken {
  id: string;
  label: string;
  scopes: string[];
  createdAt: string;
  revokedAt: string | undefined;
}

/** The pair to hand to `auth.tokens.revoke()`. */
type Pair = Pick<IssuedTokens, 'accessToken' | 'refreshToken'>;

interface Row {
  id: string;
  label: string;
  scopes: string;
  created_at: string;
  revoked_at: string | null;
  sealed: string;
}

/**
 * The API tokens users made on their account page, in the demo's own table. Portcullis does
 * not list a user's refresh families, and revokes one only when given one of its tokens; so
 * each row keeps the issued pair sealed (AES-256-GCM, under a key derived from the secret)
 * for the "Revoke" button, and the label and scopes for the list. The tokens are shown once
 * and never stored in the clear; a revoked row forgets its pair.
 *
 * @example
 * ```ts
 * const apiTokens = new ApiTokens(db, secret);
 * const row = apiTokens.add(user.id, 'CI', ['reports:read'], await ctx.auth.tokens.issue(user));
 * ```
 */
export class ApiTokens {
  private readonly key: Buffer;

  constructor(
    private readonly db: Database,
    secret: string,
  ) {
    this.key = Buffer.from(hkdfSync('sha256', secret, 'portcullis-demo', 'api-token pairs', 32));
    db.exec(`CREATE TABLE IF NOT EXISTS demo_api_tokens (
      id TEXT PRIMARY KEY, user_id TEXT NOT NULL, label TEXT NOT NULL, scopes TEXT NOT NULL,
      created_at TEXT NOT NULL, revoked_at TEXT, sealed TEXT NOT NULL);
      CREATE INDEX IF NOT EXISTS demo_api_tokens_user ON demo_api_tokens (user_id);`);
  }

  /** Records a pair just issued to `userId`. */
  add(userId: string, label: string, scopes: string[], pair: Pair): ApiToken {
    const row = { id: randomUUID(), label, scopes, createdAt: new Date().toISOString() };
    this.db
      .prepare(
        `INSERT INTO demo_api_tokens (id, user_id, label, scopes, created_at, sealed)
        VALUES (?, ?, ?, ?, ?, ?)`,
      )
      .run(row.id, userId, label, scopes.join(' '), row.createdAt, this.seal(pair));
    return { ...row, revokedAt: undefined };
  }

  /** The user's tokens, newest first. */
  list(userId: string): ApiToken[] {
    const rows = this.db
      .prepare(
        `SELECT id, label, scopes, created_at, revoked_at, sealed FROM demo_api_tokens
        WHERE user_id = ? ORDER BY created_at DESC, rowid DESC`,
      )
      .all(userId) as Row[];
    return rows.map((r) => ({
      id: r.id,
      label: r.label,
      scopes: r.scopes.split(' ').filter(Boolean),
      createdAt: r.created_at,
      revokedAt: r.revoked_at ?? undefined,
    }));
  }

  /** Marks the user's token `id` revoked and returns its pair, once; undefined otherwise. */
  take(userId: string, id: string): Pair | undefined {
    const find = this.db.prepare(
      'SELECT sealed FROM demo_api_tokens WHERE id = ? AND user_id = ? AND revoked_at IS NULL',
    );
    const mark = this.db.prepare(
      `UPDATE demo_api_tokens SET revoked_at = ?, sealed = '' WHERE id = ?`,
    );
    const sealed = this.db.transaction(() => {
      const row = find.get(id, userId) as { sealed: string } | undefined;
      if (row) mark.run(new Date().toISOString(), id);
      return row?.sealed;
    })();
    return sealed ? this.open(sealed) : undefined;
  }

  private seal(pair: Pair): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const body = Buffer.concat([cipher.update(JSON.stringify(pair), 'utf8'), cipher.final()]);
    return Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
  }

  private open(sealed: string): Pair {
    const raw = Buffer.from(sealed, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
    decipher.setAuthTag(raw.subarray(raw.length - 16));
    const body = Buffer.concat([
      decipher.update(raw.subarray(12, raw.length - 16)),
      decipher.final(),
    ]);
    return JSON.parse(body.toString('utf8')) as Pair;
  }
}
