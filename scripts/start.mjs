#!/usr/bin/env node
// `npm start`: build the extension for Chrome and Firefox and the relay and c2c programs, start the relay with its embedded store and a
// demo web chat (one of the test fixtures), and tell a newcomer what to load where. Ctrl-C stops both.
import { spawn, spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const port = process.env.C2C_RELAY_PORT ?? '8787';
const data = process.env.C2C_RELAY_DATA ?? '.c2c-relay';
const demoPort = process.env.C2C_DEMO_PORT ?? '8790';

for (const args of [['build'], ['build', '-b', 'firefox']]) {
  const r = spawnSync('npx', ['wxt', ...args], { stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`Extension build failed (wxt ${args.join(' ')}).`);
    process.exit(1);
  }
}

const programs = spawnSync(process.execPath, ['scripts/build-programs.mjs'], { stdio: 'inherit' });
if (programs.status !== 0) {
  console.error('Building the relay and c2c failed (scripts/build-programs.mjs).');
  process.exit(1);
}
const relay = spawn(process.execPath, ['dist/relay.mjs', '--port', port, '--data', data], { stdio: ['ignore', 'inherit', 'inherit'] });
// The demo chat prints its own list of pages; its traffic is not recorded.
const demo = spawn('npx', ['tsx', 'tests/fixtures/main.ts', '--port', demoPort], { stdio: ['ignore', 'inherit', 'inherit'] });
const children = [relay, demo];
for (const child of children) {
  child.on('exit', (code) => {
    for (const other of children) if (other !== child) other.kill('SIGTERM');
    process.exitCode = code ?? 0;
  });
}
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => children.forEach((c) => c.kill('SIGTERM')));

console.log(`
Crypt2Chat is built and the relay is starting.

  Chrome / Chromium: open chrome://extensions, turn on "Developer mode", click "Load unpacked" and pick
                     ${resolve('.output/chrome-mv3')}
  Firefox:           open about:debugging#/runtime/this-firefox, click "Load Temporary Add-on…" and pick
                     ${resolve('.output/firefox-mv3/manifest.json')}

  Relay:             ws://127.0.0.1:${port}  (health: http://127.0.0.1:${port}/healthz, data folder: ${resolve(data)})
                     In the extension popup, set the relay URL to ws://127.0.0.1:${port} and save.
  Command line:      npx c2c --help

  Try it in a web chat: open http://127.0.0.1:${demoPort}/plain?user=alice&room=demo in one browser profile
  and http://127.0.0.1:${demoPort}/plain?user=bob&room=demo in another (each with the extension, an identity,
  the relay registered, and the other pinned). In the popup click "Enable Crypt2Chat on this site", then use the lock
  button beside the message box. The chat server only ever sees ciphertext.

  Secure chat: in the popup, click "Secure chat" on a pinned contact; their popup shows the invitation and
  "Join secure chat" opens it. Ending it deletes the conversation on both sides.

Press Ctrl-C to stop the relay and the demo chat.
`);
