import { fileURLToPath } from 'node:url';
import { defineConfig } from 'wxt';
import preact from '@preact/preset-vite';
import { crypticoPlugin } from './scripts/vite-cryptico';
import { noUnsafeSinksPlugin } from './scripts/vite-no-unsafe-sinks';
import { fixZipDates } from './scripts/zip-dates';

// The test build (C2C_TEST_BUILD=1) is the store build plus loopback hosts granted up front, so browser
// tests need no permission prompt, and the site adapter of a fixture chat (entrypoints/content/sites).
// Nothing else differs.
const testBuild = process.env.C2C_TEST_BUILD === '1';
const loopbackHosts = ['http://127.0.0.1/*', 'http://localhost/*'];

/** Where `wxt/browser` points for the extension's own pages and background: the webextension polyfill. */
const POLYFILL = { find: /^wxt\/browser$/, replacement: '@wxt-dev/webextension-polyfill/browser' };
/** WXT's content script context, replaced in the content script: it talks to the page (no-script-context.ts). */
const NO_CONTEXT = { find: /^wxt\/utils\/content-script-context$/, replacement: fileURLToPath(new URL('entrypoints/content/no-script-context.ts', import.meta.url)) };

type Alias = { find: string | RegExp; replacement: string };

export default defineConfig({
  manifestVersion: 3,
  hooks: {
    // The polyfill everywhere but in the content script, which runs in every page of every enabled site and
    // uses a handful of calls both browsers give with promises (entrypoints/content/index.ts): its size
    // counts there (`npm run bench -- content`). The content script gets an inert context instead of WXT's.
    'vite:build:extendConfig': (entrypoints, config) => {
      const alias = config.resolve?.alias;
      const list: Alias[] = Array.isArray(alias) ? alias : Object.entries(alias ?? {}).map(([find, replacement]) => ({ find, replacement: String(replacement) }));
      const contentScript = entrypoints.every((e) => e.type === 'content-script');
      config.resolve = { ...config.resolve, alias: [contentScript ? NO_CONTEXT : POLYFILL, ...list] };
    },
    'zip:extension:done': (_wxt, path) => fixZipDates(path),
    'zip:sources:done': (_wxt, path) => fixZipDates(path),
  },
  // C2C_OUT_DIR: another folder for the store packages (tests/unit/store builds twice, side by side).
  outDir: process.env.C2C_OUT_DIR ?? (testBuild ? '.output/test' : '.output'),
  // `npm run zip` (scripts/zip.mjs): the Chrome Web Store zip, the Firefox (AMO) zip and, with it, the
  // source zip AMO's reviewers rebuild the Firefox zip from (docs/BUILD-FROM-SOURCE.md, inside it). The
  // source zip is an allowlist: what the extension's build reads, the lock file and the instructions, so
  // nothing from outside those folders (browser profiles, logs, reports, keys) can slip in. WXT writes entries sorted, and each gets
  // the same date (scripts/zip-dates.ts), so the same tree gives the same bytes.
  zip: {
    artifactTemplate: '{{name}}-{{version}}-{{browser}}.zip',
    sourcesTemplate: '{{name}}-{{version}}-amo-source.zip',
    includeSources: [
      'package.json',
      'package-lock.json',
      'LICENSE',
      'README.md',
      'tsconfig.json',
      'wxt.config.ts',
      'build-flags.d.ts',
      'entrypoints/**',
      'components/**',
      'lib/**',
      'public/**',
      'scripts/zip.mjs',
      'scripts/vite-*.ts',
      'scripts/zip-dates.ts',
      'docs/*.md',
    ],
  },
  vite: () => ({
    plugins: [preact(), crypticoPlugin(), noUnsafeSinksPlugin()],
    define: { __C2C_TEST_BUILD__: JSON.stringify(testBuild) },
  }),
  manifest: ({ browser }) => ({
    name: '__MSG_extName__',
    description: '__MSG_extDescription__',
    default_locale: 'en',
    // proxy and privacy: the relay through Tor (README "Permissions"). Neither can be optional in both
    // browsers (Chrome refuses an optional proxy permission; Firefox's optional list has no proxy).
    permissions: ['storage', 'scripting', 'activeTab', 'alarms', 'proxy', 'privacy'],
    // Stated explicitly: Firefox's MV3 default adds upgrade-insecure-requests, which turns ws:// into wss://
    // and so breaks a relay on loopback or behind a Tor onion address (the only places ws:// is accepted).
    content_security_policy: { extension_pages: "script-src 'self'; object-src 'none'" },
    // Opens the compose overlay for the focused (or only) compose box, for when the lock cannot be reached.
    commands: {
      'open-compose': { suggested_key: { default: 'Ctrl+Shift+E', mac: 'Command+Shift+E' }, description: '__MSG_composeHereHint__' },
      // The side panel for the current tab. No suggested key: the user picks one (browsers' own shortcuts differ).
      'open-side-panel': { description: '__MSG_sidePanelOpenHint__' },
    },
    // Firefox: ws/wss for the relay's host when it is reached through a proxy (shared/relay-host-access.ts).
    optional_host_permissions: ['https://*/*', 'http://*/*', ...(browser === 'firefox' ? ['wss://*/*', 'ws://*/*'] : [])],
    host_permissions: testBuild ? loopbackHosts : [],
    // The content script (entrypoints/content) is registered at runtime for each site the user enables;
    // the test build also declares it for the pre-granted loopback hosts. It runs in every frame of the site,
    // including about:blank / srcdoc frames the site's pages make (match_origin_as_fallback), and each copy
    // looks after its own document only.
    ...(testBuild
      ? { content_scripts: [{ matches: loopbackHosts, js: ['content-scripts/content.js'], run_at: 'document_idle', all_frames: true, match_origin_as_fallback: true }] }
      : {}),
    // The frames the content script places in host pages: loadable by every site (the site is known only at
    // run time), served by the background only on sites the user enabled (background/frame-entitlement.ts).
    // In Chrome only at a per-session address, so a site cannot probe for the extension (lib/content/frames.ts).
    web_accessible_resources: [
      {
        resources: ['compose-frame.html', 'message-frame.html'],
        matches: ['https://*/*', 'http://*/*'],
        ...(browser === 'firefox' ? {} : { use_dynamic_url: true }),
      },
    ],
    ...(browser === 'firefox'
      ? {
          browser_specific_settings: {
            gecko: {
              id: 'crypt2chat@crypt2chat.org',
              // 140: the current Debian ESR. Message frames are re-pointed only where the Navigation API is (147).
              strict_min_version: '140.0',
              data_collection_permissions: { required: ['none'] },
            },
            // Firefox for Android knows data_collection_permissions from 142.
            gecko_android: { strict_min_version: '142.0' },
          },
        }
      : // Ed25519 in WebCrypto (identity keys) arrived in Chrome 137; X25519 earlier.
        { minimum_chrome_version: '137' }),
  }),
});
