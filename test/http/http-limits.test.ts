import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { createHttpServer, registerRoutes } from '../../src/http/http-server.js';

const api = {
  metricsText: async () => '',
  metricsContentType: 'text/plain',
  health: () => ({ status: 'pass' as const, checks: {} }),
  status: () => ({}),
  checkNow: async () => ({}),
  token: () => null,
};

/** Sends one keep-alive GET /livez on a fresh socket; resolves with the socket and whether it got an answer. */
function livez(port: number): Promise<{ socket: Socket; answered: boolean }> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let data = '';
    socket.on('data', (chunk) => {
      data += chunk.toString();
      if (data.includes('"pass"')) resolve({ socket, answered: true });
    });
    socket.on('close', () => resolve({ socket, answered: data.includes('"pass"') }));
    socket.on('error', () => undefined);
    socket.write('GET /livez HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n');
  });
}

describe('HTTP limits', () => {
  it('refuses connections beyond maxConnections and closes idle keep-alive sockets after keepAliveTimeoutMs', async () => {
    const app = createHttpServer('error', { maxConnections: 2, keepAliveTimeoutMs: 300 });
    registerRoutes(app, api as never);
    await app.listen({ host: '127.0.0.1', port: 0 });
    const port = (app.server.address() as { port: number }).port;
    try {
      expect(app.server.keepAliveTimeout).toBe(300);
      const first = await livez(port);
      const second = await livez(port);
      const third = await livez(port);
      expect([first.answered, second.answered, third.answered]).toEqual([true, true, false]);
      // The idle keep-alive sockets are closed by the server (not by us), which frees the slots.
      await Promise.all([first, second].map(({ socket }) => new Promise((resolve) => (socket.destroyed ? resolve(null) : socket.once('close', resolve)))));
      expect((await livez(port)).answered).toBe(true);
    } finally {
      await app.close();
    }
  });
});
