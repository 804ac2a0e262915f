import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createServer as createNetServer, type Server, type Socket } from 'node:net';
import { TLSSocket, type SecureContext } from 'node:tls';

/** How long a new connection may stay silent before its first byte decides HTTP or HTTPS. */
const FIRST_BYTE_TIMEOUT_MS = 30_000;
/** A TLS record starts with its content type; 22 is a handshake (RFC 8446 §5.1): a ClientHello. */
const TLS_HANDSHAKE = 0x16;

export interface CameraServer {
  server: Server;
  /** Ends every connection (the listener itself is closed with `server.close()`). */
  closeAllConnections(): void;
}

/**
 * One camera's port, HTTP and HTTPS together: the first byte of each connection says which (a TLS
 * ClientHello starts with 0x16, an HTTP request with a method's letter), and the socket is handed
 * to a plain or a TLS HTTP server that never listens itself. One port per camera keeps what NVRs
 * already know (the port, the registry's stable assignment, the firewall rules) and lets a client
 * move to https without any other change; a second port per camera would double the range.
 */
export function createCameraServer(
  handle: (req: IncomingMessage, res: ServerResponse) => void,
  tls: SecureContext | undefined,
): CameraServer {
  const options = { keepAliveTimeout: 30_000, requestTimeout: 30_000 };
  const http = createHttpServer(options, handle);
  const waiting = new Set<Socket>();
  // noDelay as node:http's own server has it (a bare net.Server leaves Nagle on): a reply goes out
  // at once instead of waiting for the client's ACK of the previous one.
  const server = createNetServer({ noDelay: true }, (socket) => {
    waiting.add(socket);
    socket.setTimeout(FIRST_BYTE_TIMEOUT_MS, () => socket.destroy());
    socket.on('error', () => socket.destroy());
    socket.once('data', (first: Buffer) => {
      waiting.delete(socket);
      socket.setTimeout(0);
      socket.pause();
      socket.unshift(first);
      if (tls && first[0] === TLS_HANDSHAKE) {
        // One SecureContext for every camera (an https.Server each would hold one per camera).
        const secure = new TLSSocket(socket, { isServer: true, secureContext: tls });
        // A failed handshake (a scanner, a client that distrusts the CA) ends that connection only.
        secure.on('error', () => secure.destroy());
        http.emit('connection', secure);
      } else http.emit('connection', socket);
      process.nextTick(() => socket.resume());
    });
  });
  return {
    server,
    closeAllConnections: () => {
      for (const s of waiting) s.destroy();
      waiting.clear();
      http.closeAllConnections();
    },
  };
}

/** The connection is TLS: the first byte of a camera port's connection said so (above). */
export function isTls(req: IncomingMessage): boolean {
  return (req.socket as { encrypted?: boolean }).encrypted === true;
}
