/**
 * Connections (asyncio.open_connection / start_server): TCP in Node, WebSockets in pages,
 * both as a StreamReader and a StreamWriter. Waits are instrumented as "stream.connect"
 * (connecting, listening, serving), "stream.read" and "stream.drain", labelled with the peer.
 * A loop holds its connections and servers: `run()` closes what is still open when it ends.
 */
import { getRunningLoop } from "../current.ts";
import type { EventLoop } from "../event-loop.ts";
import type { Operation } from "../future.ts";
import type { Task } from "../task.ts";
import { ioHost, missing, type HostListener, type HostTransport } from "./host.ts";
import { IoWait } from "./io-wait.ts";
import { holdForLoop, letGoForLoop, type LoopResource } from "./loop-resources.ts";
import { DEFAULT_LIMIT, StreamProtocol, StreamReader, StreamWriter } from "./streams.ts";

/** asyncio's default high-water mark for a transport's write buffer: `drain()` waits above it. */
export const DEFAULT_HIGH_WATER_MARK = 64 * 1024;

export interface StreamOptions {
  /** The most `readuntil`/`readline` buffer while looking for a separator (default 64 KiB). */
  limit?: number;
  /** Write-buffer size above which `drain()` waits (default 64 KiB). */
  highWaterMark?: number;
}

type ClientHandler = (reader: StreamReader, writer: StreamWriter) => Generator<unknown, unknown, unknown> | PromiseLike<unknown> | void;

function streamsFor(loop: EventLoop, peer: string, limit: number): [StreamReader, StreamProtocol] {
  const reader = new StreamReader(peer, limit);
  const protocol = new StreamProtocol(reader, peer);
  return [reader, protocol];
}

/** The loop holds a transport until its connection is lost. */
function holdTransport(loop: EventLoop, protocol: StreamProtocol, transport: HostTransport): void {
  if (protocol._connectionLost) return;
  holdForLoop(loop, transport);
  protocol._onLost = () => letGoForLoop(loop, transport);
}

function checkPort(port: unknown): number {
  if (typeof port !== "number" || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`the port must be an integer from 0 to 65535, got ${String(port)}`);
  }
  return port;
}

/**
 * Connects to `host`:`port` over TCP (Node), or to a `ws:`/`wss:` URL over a WebSocket
 * (pages; each message's bytes are read as a stream, each write is one message).
 *
 * @example
 * const [reader, writer] = yield* openConnection("127.0.0.1", 8888);
 * writer.write(new TextEncoder().encode("ping\n"));
 * const reply = yield* reader.readline();
 */
export function openConnection(host: string, port: number, options?: StreamOptions): Operation<[StreamReader, StreamWriter]>;
export function openConnection(webSocketUrl: string, options?: StreamOptions): Operation<[StreamReader, StreamWriter]>;
export function openConnection(host: string, portOrOptions?: number | StreamOptions, maybeOptions?: StreamOptions): Operation<[StreamReader, StreamWriter]> {
  const webSocket = typeof portOrOptions !== "number" && /^wss?:\/\//i.test(host);
  if (typeof host !== "string" || host === "") throw new TypeError("openConnection(): the host must be a non-empty string");
  const options = (typeof portOrOptions === "number" ? maybeOptions : portOrOptions) ?? {};
  const port = webSocket ? 0 : checkPort(portOrOptions);
  const limit = options.limit ?? DEFAULT_LIMIT;
  const highWaterMark = options.highWaterMark ?? DEFAULT_HIGH_WATER_MARK;
  const peer = webSocket ? host : `${host}:${port}`;
  return {
    *[Symbol.iterator]() {
      const loop = getRunningLoop();
      const hosts = ioHost();
      const [reader, protocol] = streamsFor(loop, peer, limit);
      let abandon: () => void = () => {};
      const wait = new IoWait<HostTransport>(loop, "stream.connect", peer, () => abandon());
      const done = (error: unknown, transport: HostTransport | null): void => {
        if (transport === null) return wait.reject(error);
        // Connected after the task stopped waiting: nobody will use it.
        if (wait.cancelled()) void transport.release();
        else wait.resolve(transport);
      };
      if (webSocket) {
        if (hosts.webSocket === null) throw missing("openConnection(url)", "WebSocket");
        abandon = hosts.webSocket.connect(host, highWaterMark, protocol, done);
      } else {
        if (hosts.net === null) throw missing("openConnection(host, port)", "Node's net module (through the package's Node entry)");
        abandon = hosts.net.connect({ host, port, highWaterMark }, protocol, done);
      }
      let transport: HostTransport;
      try {
        transport = yield* wait;
      } catch (error) {
        // Connected, but the task was cancelled before it resumed.
        if (wait.done() && !wait.cancelled() && wait.exception() === null) void wait.result().release();
        throw error;
      }
      holdTransport(loop, protocol, transport);
      return [reader, new StreamWriter(transport, protocol, reader)];
    },
  };
}

/**
 * A listening TCP server (asyncio.Server). Each connection runs `clientHandler(reader, writer)`
 * as a task of the loop that started the server.
 */
export class Server implements LoopResource {
  /** @internal */ _listener: HostListener | null = null;
  /** @internal */ readonly _connections = new Set<HostTransport>();
  /** @internal */ readonly _handlers = new Set<Task<unknown>>();
  /** @internal */ _closing = false;
  /** @internal */ _listenerClosed = false;
  /** @internal */ readonly _closeWaiters = new Set<IoWait<void>>();

  /** @internal */
  constructor(readonly _loop: EventLoop, private label: string) {}

  /** Where it listens: the port the system chose when asked for port 0. */
  address(): { host: string; port: number } {
    if (this._listener === null) throw new Error("the server is not listening");
    return { host: this._listener.host, port: this._listener.port };
  }

  isServing(): boolean {
    return this._listener !== null && !this._closing;
  }

  /** Stops accepting connections. Connections already open stay open (as asyncio's `close`). */
  close(): void {
    if (this._closing) return;
    this._closing = true;
    const listener = this._listener;
    if (listener === null) return;
    void listener.close().finally(() => {
      this._listenerClosed = true;
      this.wakeIfClosed();
    });
  }

  /** Closes the server and every connection it accepted (asyncio's `close_clients`, then `close`). */
  closeClients(): void {
    for (const connection of this._connections) connection.close();
  }

  /** Waits until the server is closed and every connection it accepted has ended (asyncio ≥ 3.12), even if close() comes later. */
  waitClosed(): Operation<void> {
    return {
      [Symbol.iterator]: function* (this: Server) {
        // As asyncio ≥ 3.12: called before close(), it waits for the close too.
        if (this.isClosedFully()) return;
        const wait = new IoWait<void>(getRunningLoop(), "stream.connect", `close ${this.label}`, () => this._closeWaiters.delete(wait));
        this._closeWaiters.add(wait);
        yield* wait;
      }.bind(this),
    };
  }

  /** Accepts connections until the awaiting task is cancelled; then closes the server. */
  serveForever(): Operation<never> {
    return {
      [Symbol.iterator]: function* (this: Server): Generator<unknown, never, unknown> {
        if (this._closing) throw new Error(`the server ${this.label} is closed`);
        const loop = getRunningLoop();
        const forever = new IoWait<never>(loop, "stream.connect", `serve ${this.label}`);
        try {
          return yield* forever;
        } finally {
          this.close();
          yield* this.waitClosed();
        }
      }.bind(this),
    };
  }

  async release(): Promise<void> {
    this.close();
    const closing: Promise<void>[] = [];
    if (this._listener !== null) closing.push(this._listener.close());
    for (const connection of this._connections) closing.push(connection.release());
    await Promise.allSettled(closing);
  }

  /** @internal */
  _listening(listener: HostListener): void {
    this._listener = listener;
    this.label = `${listener.host}:${listener.port}`;
  }

  /** @internal */
  _accepted(transport: HostTransport, protocol: StreamProtocol, reader: StreamReader, handler: ClientHandler): void {
    if (this._closing || this._loop.isClosed()) {
      void transport.release();
      return;
    }
    this._connections.add(transport);
    holdTransport(this._loop, protocol, transport);
    const lost = protocol._onLost;
    protocol._onLost = () => {
      lost?.();
      this._connections.delete(transport);
      this.wakeIfClosed();
    };
    const writer = new StreamWriter(transport, protocol, reader);
    const task = this._loop.createTask(function* () {
      const result = handler(reader, writer);
      if (result !== undefined && result !== null && typeof (result as Generator).next === "function") return yield* result as Generator<unknown, unknown, unknown>;
      if (result !== undefined && result !== null && typeof (result as PromiseLike<unknown>).then === "function") return yield result;
      return result;
    }, { name: `client ${protocol.peer}` });
    this._handlers.add(task);
    task.addDoneCallback(() => this._handlers.delete(task));
  }

  private isClosedFully(): boolean {
    return this._closing && (this._listener === null || this._listenerClosed) && this._connections.size === 0;
  }

  private wakeIfClosed(): void {
    if (!this.isClosedFully()) return;
    letGoForLoop(this._loop, this);
    for (const wait of this._closeWaiters) wait.resolve(undefined);
    this._closeWaiters.clear();
  }
}

/**
 * Listens on `host`:`port` (TCP, Node) and runs `clientHandler(reader, writer)` as a task for
 * each connection. Port 0 picks a free port: see `server.address()`.
 *
 * @example
 * const server = yield* startServer(function* (reader, writer) {
 *   writer.write(yield* reader.readline());
 *   yield* writer.drain();
 *   writer.close();
 * }, "127.0.0.1", 0);
 */
export function startServer(clientHandler: ClientHandler, host: string, port: number, options: StreamOptions = {}): Operation<Server> {
  if (typeof clientHandler !== "function") throw new TypeError("startServer(): the client handler must be a function");
  if (typeof host !== "string" || host === "") throw new TypeError("startServer(): the host must be a non-empty string");
  checkPort(port);
  const limit = options.limit ?? DEFAULT_LIMIT;
  const highWaterMark = options.highWaterMark ?? DEFAULT_HIGH_WATER_MARK;
  return {
    *[Symbol.iterator]() {
      const loop = getRunningLoop();
      const net = ioHost().net;
      if (net === null) throw missing("startServer()", "Node's net module (through the package's Node entry)");
      const server = new Server(loop, `${host}:${port}`);
      const wait = new IoWait<HostListener>(loop, "stream.connect", `listen ${host}:${port}`);
      net.listen({ host, port, highWaterMark }, (peer) => {
        const [reader, protocol] = streamsFor(loop, peer, limit);
        return { protocol, accepted: (transport) => server._accepted(transport, protocol, reader, clientHandler) };
      }, (error, listener) => {
        if (listener === null) return wait.reject(error);
        // Listening only after the task stopped waiting: nobody will serve it.
        if (wait.cancelled()) void listener.close();
        else wait.resolve(listener);
      });
      const listener = yield* wait;
      server._listening(listener);
      holdForLoop(loop, server);
      return server;
    },
  };
}
