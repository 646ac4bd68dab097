import { defineConfig } from 'wxt';
import preact from '@preact/preset-vite';
import { crypticoPlugin } from './scripts/vite-cryptico';
import { noUnsafeSinksPlugin } from './scripts/vite-no-unsafe-sinks';

// The test build (C2C_TEST_BUILD=1) is the store build plus loopback hosts granted up front,
// so browser tests need no permission prompt. Nothing else differs.
const testBuild = process.env.C2C_TEST_BUILD === '1';
const loopbackHosts = ['http://127.0.0.1/*', 'http://localhost/*'];

export default defineConfig({
  modules: ['@wxt-dev/webextension-polyfill'],
  manifestVersion: 3,
  outDir: testBuild ? '.output/test' : '.output',
  vite: () => ({
    plugins: [preact(), crypticoPlugin(), noUnsafeSinksPlugin()],
  }),
  manifest: ({ browser }) => ({
    name: '__MSG_extName__',
    description: '__MSG_extDescription__',
    default_locale: 'en',
    permissions: ['storage', 'scripting', 'activeTab'],
    optional_host_permissions: ['https://*/*', 'http://*/*'],
    host_permissions: testBuild ? loopbackHosts : [],
    ...(browser === 'firefox'
      ? {
          browser_specific_settings: {
            gecko: {
              id: 'crypt2chat@crypt2chat.org',
              strict_min_version: '142.0',
              data_collection_permissions: { required: ['none'] },
            },
            gecko_android: { strict_min_version: '142.0' },
          },
        }
      : // Ed25519 in WebCrypto (identity keys) arrived in Chrome 137; X25519 earlier.
        { minimum_chrome_version: '137' }),
  }),
});
