// Run by cryptico-lazy.test.ts in a fresh Node process: the background's wiring, driven through the router as
// the popup does; prints whether cryptico's module was loaded at each step, as JSON.
import { createRequire } from 'node:module';
import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import WebSocket from 'ws';
import { KeyringDB } from '@/lib/keyring/db';
import { createBackground } from '@/entrypoints/background/create-background';
import { routeMessage } from '@/entrypoints/background/router';
const loaded = () => Object.keys(createRequire(import.meta.url).cache).some((k) => /[\\/]cryptico[\\/]/.test(k));
const db = new KeyringDB({ indexedDB: new IDBFactory(), IDBKeyRange });
let reg: unknown;
const { service } = createBackground({ db, registrations: { get: async () => reg as never, set: async (v) => void (reg = v) }, WebSocket: WebSocket as never });
const call = (r: object) => routeMessage(r, { id: 'ext', url: 'chrome-extension://ext/popup.html' }, { ownId: 'ext', ownBaseUrl: 'chrome-extension://ext/', service, isEnabledSite: async () => true });
const seen: boolean[] = [loaded()];
await call({ type: 'createIdentity', handle: 'bob' });
await call({ type: 'getLegacyPublicKey' });
await call({ type: 'encrypt', recipients: ['bob'], plaintext: 'x' }).catch(() => undefined);
seen.push(loaded());
const created = (await call({ type: 'createLegacyKey' })) as { ok: boolean };
seen.push(loaded(), created.ok);
console.log(JSON.stringify(seen));
process.exit(0);
