// Baseline 2: the paper's design, a Socket.IO 4 room forwarder. A client emits `join` with a room id,
// then each `frame` it emits goes to the rest of the room (socket.to(room).emit). WebSocket transport
// only (no long-polling), so the comparison is about the framework, not the transport.
// Usage: node --import tsx bench/relay/sio-forwarder.ts PORT
import { createServer } from 'node:http';
import { Server } from 'socket.io';

const port = Number(process.argv[2]);

const http = createServer((req, res) => {
  if (req.url === '/healthz') res.writeHead(200).end();
});
const io = new Server(http, { transports: ['websocket'], serveClient: false, perMessageDeflate: false });

io.on('connection', (socket) => {
  let room: string | undefined;
  socket.on('join', (id: unknown, ack?: () => void) => {
    if (typeof id !== 'string' || room !== undefined) return;
    room = id;
    void socket.join(id);
    ack?.();
  });
  socket.on('frame', (data: unknown) => {
    if (room !== undefined) socket.to(room).emit('frame', data);
  });
});

http.listen(port, '127.0.0.1');
process.on('SIGTERM', () => process.exit(0));
// The bench holds our stdin open; when it goes away (even killed), so do we.
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
