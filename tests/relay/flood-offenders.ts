// The offenders of the flood test (flood.test.ts), in their own process so their work does not run on the
// honest clients' event loop: COUNT sockets from 127.0.1.x addresses (20 per address), each in a loop of
// one offence until DURATION_MS has passed: a malformed frame, an oversized frame, or an unauthenticated
// connect that sends nothing. Prints `ready` once the first sockets are open, then, at the end, one JSON
// line: how the relay ended each offence, by close code (or refused upgrade).
// Usage: node --import tsx tests/relay/flood-offenders.ts URL COUNT DURATION_MS
import WebSocket from 'ws';

const [url = '', countText = '1000', durationText = '10000'] = process.argv.slice(2);
const count = Number(countText);
const deadline = Date.now() + Number(durationText);
const OVERSIZED = Buffer.alloc(256 * 1024, 0x41);
const KINDS = ['malformed', 'oversized', 'unauthenticated'] as const;
type Kind = (typeof KINDS)[number];

const ends: Record<Kind, Record<string, number>> = { malformed: {}, oversized: {}, unauthenticated: {} };
let opened = 0;
let readySaid = false;

function offend(kind: Kind, ws: WebSocket, n: number): void {
  if (kind === 'malformed') ws.send(n % 2 ? '{"t":"auth","id":1,"key":"not base64"' : Buffer.from([0x7f, 200, 1]));
  else if (kind === 'oversized') ws.send(OVERSIZED);
  // unauthenticated: send nothing and wait to be closed
}

function once(kind: Kind, localAddress: string, n: number): Promise<void> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, ['c2c-relay.v1'], { localAddress });
    const end = (how: string) => {
      ends[kind][how] = (ends[kind][how] ?? 0) + 1;
      resolve();
    };
    ws.on('unexpected-response', (_req, res) => {
      end(`http-${res.statusCode}`);
      ws.terminate();
    });
    ws.on('error', () => undefined); // the close event says how it ended
    ws.on('open', () => {
      opened++;
      if (!readySaid && opened >= count) {
        readySaid = true;
        process.stdout.write('ready\n');
      }
      offend(kind, ws, n);
    });
    ws.on('close', (code) => end(String(code)));
  });
}

async function slot(i: number): Promise<void> {
  const kind = KINDS[i % KINDS.length]!;
  const localAddress = `127.0.1.${1 + Math.floor(i / 20)}`;
  for (let n = 0; Date.now() < deadline; n++) {
    await once(kind, localAddress, n);
    await new Promise((r) => setTimeout(r, 2000 + Math.random() * 2000)); // then comes back
  }
}

void Promise.all(Array.from({ length: count }, (_, i) => slot(i))).then(() => {
  process.stdout.write(`${JSON.stringify(ends)}\n`);
});
