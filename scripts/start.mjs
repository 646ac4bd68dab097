#!/usr/bin/env node
// `npm start`: build the extension for Chrome and Firefox, start the relay with its embedded store,
// and tell a newcomer what to load where. Ctrl-C stops the relay cleanly.
import { spawn, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const port = process.env.C2C_RELAY_PORT ?? '8787';
const data = process.env.C2C_RELAY_DATA ?? '.c2c-relay';

for (const args of [['build'], ['build', '-b', 'firefox']]) {
  const r = spawnSync('npx', ['wxt', ...args], { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`Extension build failed (wxt ${args.join(' ')}).`);
    process.exit(1);
  }
}

const relay = spawn('npx', ['tsx', 'relay/main.ts', '--port', port, '--data', data], { stdio: ['ignore', 'inherit', 'inherit'] });
relay.on('exit', (code) => process.exit(code ?? 0));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => relay.kill('SIGTERM'));

console.log(`
Crypt2Chat is built and the relay is starting.

  Chrome / Chromium: open chrome://extensions, turn on "Developer mode", click "Load unpacked" and pick
                     ${resolve('.output/chrome-mv3')}
  Firefox:           open about:debugging#/runtime/this-firefox, click "Load Temporary Add-on…" and pick
                     ${resolve('.output/firefox-mv3/manifest.json')}

  Relay:             ws://127.0.0.1:${port}  (health: http://127.0.0.1:${port}/healthz, data folder: ${resolve(data)})
                     In the extension popup, set the relay URL to ws://127.0.0.1:${port} and save.
  Command line:      npx c2c --help

Press Ctrl-C to stop the relay.
`);
