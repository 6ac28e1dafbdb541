import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import request from 'supertest';
import { createDemoApp } from '../../demo/app.js';
import { cookieHeader, secretA } from '../helpers/app.js';

const ORIGIN = 'http://demo.test';

async function signedIn() {
  const { app } = await createDemoApp({ secret: secretA, baseUrl: ORIGIN });
  const server = app.callback();
  const login = await request(server).post('/login').type('form').send({ returnTo: '/dashboard' });
  return {
    server,
    login,
    cookie: cookieHeader(login.headers['set-cookie'] as unknown as string[]),
  };
}

describe('demo app', () => {
  it('shows the sign-in button to a visitor', async () => {
    const { app } = await createDemoApp({ secret: secretA });
    const res = await request(app.callback()).get('/').set('Accept', 'text/html');
    expect(res.status).to.equal(200);
    expect(res.text).to.include('Sign in as demo@example.com');
  });

  it('sends a visitor of the dashboard to the login page with returnTo', async () => {
    const { app } = await createDemoApp({ secret: secretA });
    const res = await request(app.callback()).get('/dashboard').set('Accept', 'text/html');
    expect(res.status).to.equal(302);
    expect(res.headers.location).to.equal('/login?returnTo=%2Fdashboard');
  });

  it('signs the demo user in with a session cookie and shows the dashboard', async () => {
    const { server, login, cookie } = await signedIn();
    expect(login.status).to.equal(302);
    expect(login.headers.location).to.equal('/dashboard');
    const dash = await request(server)
      .get('/dashboard')
      .set('Cookie', cookie)
      .set('Accept', 'text/html');
    expect(dash.status).to.equal(200);
    expect(dash.text).to.include('Hello, <strong>Demo User</strong>');
  });

  it('issues an API token that the @TokenRequired route accepts, and a refresh that rotates', async () => {
    const { server, cookie } = await signedIn();
    const page = await request(server)
      .post('/dashboard/tokens')
      .set('Cookie', cookie)
      .set('Origin', ORIGIN);
    expect(page.status).to.equal(200);
    const access = /Bearer ([\w.-]+)' http:\/\/[^/]+\/api\/me/.exec(page.text)?.[1];
    const refresh = /Bearer (pcr_[\w.-]+)'/.exec(page.text)?.[1];
    expect(access).to.be.a('string');
    const me = await request(server).get('/api/me').set('Authorization', `Bearer ${access}`);
    expect(me.status).to.equal(200);
    expect(me.body).to.include({ email: 'demo@example.com', name: 'Demo User' });
    const next = await request(server)
      .post('/auth/token/refresh')
      .set('Authorization', `Bearer ${refresh}`);
    expect(next.status).to.equal(200);
    expect(next.body.tokenType).to.equal('Bearer');
    const none = await request(server).get('/api/me');
    expect(none.status).to.equal(401);
    expect(none.body.error.code).to.equal('token_missing');
  });

  it('signs out with the form, and the old cookie no longer works', async () => {
    const { server, cookie } = await signedIn();
    const out = await request(server)
      .post('/auth/logout')
      .type('form')
      .send({})
      .set('Cookie', cookie)
      .set('Origin', ORIGIN);
    expect(out.status).to.equal(302);
    expect(out.headers.location).to.equal('/');
    const dash = await request(server).get('/dashboard').set('Cookie', cookie);
    expect(dash.status).to.equal(401);
  });

  it('refuses a sign-out posted from another site', async () => {
    const { server, cookie } = await signedIn();
    const out = await request(server)
      .post('/auth/logout')
      .set('Cookie', cookie)
      .set('Origin', 'http://evil.test');
    expect(out.status).to.equal(403);
    expect(out.body.error.code).to.equal('csrf_failed');
    expect((await request(server).get('/dashboard').set('Cookie', cookie)).status).to.equal(200);
  });

  it('starts with `node dist/demo/server.js`, generating and keeping its secret in the data folder', async function () {
    this.timeout(15000);
    const dataDir = mkdtempSync(join(tmpdir(), 'portcullis-demo-'));
    const serverJs = fileURLToPath(new URL('../../demo/server.js', import.meta.url));
    const child = spawn(process.execPath, [serverJs], {
      env: { ...process.env, PORT: '0', DEMO_DATA_DIR: dataDir, PORTCULLIS_SECRET: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const line = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
          out += String(d);
          if (out.includes('\n')) resolve(out);
        });
        child.on('exit', (code) => reject(new Error(`demo exited with ${code}`)));
      });
      expect(line).to.match(/Portcullis demo on http:\/\/localhost:\d+/);
      expect(readFileSync(join(dataDir, 'secret'), 'utf8').trim()).to.match(/^[A-Za-z0-9_-]{43}$/);
    } finally {
      child.kill();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
