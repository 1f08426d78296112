/**
 * The same-run baseline of bench:stream: a bare HTTP + Socket.IO server with no
 * service behind it. POST /batch parses the events and, for each connected client,
 * emits the ones its bench profile wants as one array (the same micro-batch shape and
 * the same filters as the service, done by a plain loop over the clients). What it
 * measures is the floor this machine allows for "POST sent → client received".
 *
 *   node dist/bench/stream-raw-server.js <port>
 */
import http from 'node:http';
import { Server, type Socket } from 'socket.io';
import { type Event, type Profile, profileFor } from './stream-profiles.js';

const port = Number(process.argv[2] ?? 0);
const wanted = new Map<Socket, Profile>();

const server = http.createServer((request, response) => {
  if (request.method !== 'POST' || request.url !== '/batch') {
    response.writeHead(404).end();
    return;
  }
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const { events } = JSON.parse(Buffer.concat(chunks).toString()) as { events: Event[] };
    for (const [socket, profile] of wanted) {
      const matched = events.filter((event) => profile.wants(event));
      if (matched.length > 0) socket.emit('debug:event', matched);
    }
    response.writeHead(202, { 'content-type': 'application/json' }).end('{"accepted":true}');
  });
});

new Server(server).of('/debug').on('connection', (socket) => {
  socket.on('subscribe', (request: { profile: number }, ack: (answer: unknown) => void) => {
    wanted.set(socket, profileFor(request.profile));
    ack({ ok: true });
  });
  socket.on('disconnect', () => wanted.delete(socket));
});

server.listen(port, '127.0.0.1', () => {
  process.stdout.write(`listening ${(server.address() as { port: number }).port}\n`);
});
