// Baseline 1: the least a forwarder can do on `ws`. A client connects to /?room=ID; each frame it sends
// goes to the other member of that 1:1 room, unchanged. No authentication, no validation, no limits:
// this is the ceiling the relay is compared against, not a server to deploy.
// Usage: node --import tsx bench/relay/ws-forwarder.ts PORT
import { createServer } from 'node:http';
import { WebSocketServer, type WebSocket } from 'ws';

const port = Number(process.argv[2]);
const rooms = new Map<string, WebSocket[]>();

const http = createServer((req, res) => {
  res.writeHead(req.url === '/healthz' ? 200 : 404).end();
});
const wss = new WebSocketServer({ server: http, perMessageDeflate: false });

wss.on('connection', (ws, req) => {
  const room = new URL(req.url ?? '/', 'http://x').searchParams.get('room') ?? '';
  const members = rooms.get(room) ?? [];
  if (members.length >= 2) return ws.close(1008, 'room full');
  members.push(ws);
  rooms.set(room, members);
  ws.on('message', (data, isBinary) => {
    const peer = members[0] === ws ? members[1] : members[0];
    peer?.send(data, { binary: isBinary });
  });
  ws.on('close', () => {
    members.splice(members.indexOf(ws), 1);
    if (members.length === 0) rooms.delete(room);
  });
});

http.listen(port, '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
// The bench holds our stdin open; when it goes away (even killed), so do we.
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
