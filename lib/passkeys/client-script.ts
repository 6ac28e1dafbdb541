import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * `@simplewebauthn/browser`'s own UMD bundle (it defines `window.SimpleWebAuthnBrowser`) and a
 * few lines that define `window.Portcullis.registerPasskey({ name? })`,
 * `signInWithPasskey()` and `browserSupportsPasskeys()` on top of it, calling the routes under
 * `prefix` with the page's own cookies. A failed call rejects with an `Error` whose `code` is
 * the route's error code (`passkey_invalid`, `login_required`, ...).
 */
export async function clientScript(prefix: string): Promise<string> {
  const main = createRequire(import.meta.url).resolve('@simplewebauthn/browser');
  const bundle = join(dirname(main), '..', 'dist', 'bundle', 'index.umd.min.js');
  const library = await readFile(bundle, 'utf8');
  const base = JSON.stringify(`${prefix}/passkeys`).replace(/</g, '\\u003c');
  return `${library}\n${helper(base)}`;
}

function helper(base: string): string {
  return `;(function () {
  'use strict';
  var W = window.SimpleWebAuthnBrowser;
  var base = ${base};
  function post(path, body) {
    return fetch(base + path, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body || {}),
    }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (data) {
        if (res.ok) return data;
        var e = (data && data.error) || {};
        var err = new Error(e.message || 'Request failed: ' + res.status);
        err.code = e.code;
        err.status = res.status;
        throw err;
      });
    });
  }
  var api = {
    registerPasskey: function (options) {
      var name = options && options.name;
      return post('/register/options').then(function (optionsJSON) {
        return W.startRegistration({ optionsJSON: optionsJSON });
      }).then(function (response) {
        if (name) response.name = name;
        return post('/register/verify', response);
      }).then(function (data) { return data.passkey; });
    },
    signInWithPasskey: function () {
      return post('/login/options').then(function (optionsJSON) {
        return W.startAuthentication({ optionsJSON: optionsJSON });
      }).then(function (response) {
        return post('/login/verify', response);
      }).then(function (data) { return data.user; });
    },
    browserSupportsPasskeys: function () { return W.browserSupportsWebAuthn(); },
  };
  window.Portcullis = Object.assign(window.Portcullis || {}, api);
})();
`;
}
