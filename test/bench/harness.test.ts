import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { needService } from '../support/services.js';

const run = fileURLToPath(new URL('../../bench/run.js', import.meta.url));

describe('npm run bench (one short round, so the harness cannot rot)', function () {
  this.timeout(120_000);
  before(async function () {
    await needService(this, 'Redis', 6379); // the RedisStore variant
  });

  it('runs every variant with no failed request and writes the report', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portcullis-bench-'));
    try {
      const out = join(dir, 'benchmarks.md');
      await promisify(execFile)(process.execPath, [run, '--quick', '--out', out], {
        timeout: 110_000,
      });
      const report = readFileSync(out, 'utf8');
      const rows = report.split('\n').filter((l) => /^\| (bare|Portcullis|koa|jose)/.test(l));
      expect(rows).to.have.length(12);
      for (const row of rows) {
        const cells = row.split('|').map((c) => c.trim());
        expect(Number(cells[2]!.replace(/,/g, '')), row).to.be.above(0);
        expect(cells[5], `failures in: ${row}`).to.equal('0');
      }
      expect(report).to.include('access token verify, cold (node:crypto HS256)');
      expect(report).to.include('## Caches, and why they are safe');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
