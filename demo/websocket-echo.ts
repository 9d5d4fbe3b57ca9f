/**
 * The demo server's WebSocket echo (`/ws/echo`), for the page's WebSocket streams scenario:
 * every message comes back as it went, text or binary. A small RFC 6455 server of its own
 * (handshake, messages up to 4 MiB in one frame or fragments, ping, close), so the demo needs no package.
 */
import { createHash } from "node:crypto";
import type { IncomingMessage, Server } from "node:http";
import type { Duplex } from "node:stream";

const HANDSHAKE_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
const OPCODE = { continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const;

function frame(opcode: number, payload: Buffer): Buffer {
  const length = payload.length;
  const header = length < 126 ? Buffer.from([0x80 | opcode, length])
    : length < 65536 ? Buffer.from([0x80 | opcode, 126, length >> 8, length & 0xff])
    : Buffer.concat([Buffer.from([0x80 | opcode, 127]), (() => { const b = Buffer.alloc(8); b.writeBigUInt64BE(BigInt(length)); return b; })()]);
  return Buffer.concat([header, payload]);
}

/** Echoes on one upgraded connection: reads client frames (always masked), answers unmasked. */
function echo(socket: Duplex): void {
  let buffered = Buffer.alloc(0);
  /** The opcode and parts of a fragmented message still arriving (browsers split big ones). */
  let fragments: { opcode: number; parts: Buffer[]; bytes: number } | null = null;
  socket.on("data", (chunk: Buffer) => {
    buffered = Buffer.concat([buffered, chunk]);
    for (;;) {
      if (buffered.length < 2) return;
      const opcode = buffered[0]! & 0x0f;
      const masked = (buffered[1]! & 0x80) !== 0;
      let length = buffered[1]! & 0x7f;
      let at = 2;
      if (length === 126) {
        if (buffered.length < 4) return;
        length = buffered.readUInt16BE(2);
        at = 4;
      } else if (length === 127) {
        if (buffered.length < 10) return;
        length = Number(buffered.readBigUInt64BE(2));
        at = 10;
      }
      const fin = (buffered[0]! & 0x80) !== 0;
      if (!masked || length + (fragments?.bytes ?? 0) > MAX_MESSAGE_BYTES) {
        // Unmasked or oversized: a protocol error (1002) or a message too big (1009).
        socket.end(frame(OPCODE.close, Buffer.from(masked ? [0x03, 0xf1] : [0x03, 0xea])));
        return;
      }
      if (buffered.length < at + 4 + length) return;
      const mask = buffered.subarray(at, at + 4);
      const payload = Buffer.from(buffered.subarray(at + 4, at + 4 + length));
      for (let i = 0; i < payload.length; i++) payload[i]! ^= mask[i % 4]!;
      buffered = buffered.subarray(at + 4 + length);
      if (opcode === OPCODE.text || opcode === OPCODE.binary || opcode === OPCODE.continuation) {
        const message = fragments ?? { opcode, parts: [], bytes: 0 };
        message.parts.push(payload);
        message.bytes += payload.length;
        fragments = fin ? null : message;
        if (fin) socket.write(frame(message.opcode, Buffer.concat(message.parts)));
      }
      else if (opcode === OPCODE.ping) socket.write(frame(OPCODE.pong, payload));
      else if (opcode === OPCODE.close) {
        socket.end(frame(OPCODE.close, payload.subarray(0, 2)));
        return;
      }
    }
  });
  socket.on("error", () => socket.destroy());
}

/** Serves `/ws/echo` on `server`; returns a function that closes every open echo connection. */
export function serveWebSocketEcho(server: Server): () => void {
  const open = new Set<Duplex>();
  server.on("upgrade", (request: IncomingMessage, socket: Duplex) => {
    const key = request.headers["sec-websocket-key"];
    if (new URL(request.url ?? "/", "http://127.0.0.1").pathname !== "/ws/echo" || typeof key !== "string" || request.headers.upgrade?.toLowerCase() !== "websocket") {
      socket.end("HTTP/1.1 404 Not Found\r\nconnection: close\r\n\r\n");
      return;
    }
    const accept = createHash("sha1").update(key + HANDSHAKE_GUID).digest("base64");
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\nsec-websocket-accept: ${accept}\r\n\r\n`);
    open.add(socket);
    socket.on("close", () => open.delete(socket));
    echo(socket);
  });
  return () => {
    for (const socket of open) socket.destroy();
    open.clear();
  };
}
