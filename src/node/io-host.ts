/**
 * Node's I/O for the runtime: worker_threads for `toThread`, net for `openConnection` and
 * `startServer`, child_process for `createSubprocessExec`. The runtime imports no Node
 * module (it runs in pages too); this file does, and installs itself when the package is
 * imported under Node (src/node/runtime.ts, the `"node"` condition of the package's `"."`).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { connect, createServer, type NetConnectOpts, type ServerOpts, type Socket } from "node:net";
import type { Readable, Writable } from "node:stream";
import { Worker } from "node:worker_threads";
import {
  NODE_WORKER_SCRIPT, installIoHost,
  type HostChild, type HostTransport, type IoHost, type NetHost, type ProcessHost, type StreamProtocol, type ThreadHost,
} from "../runtime/index.ts";

const threads: ThreadHost = {
  spawnWorker(events) {
    const worker = new Worker(NODE_WORKER_SCRIPT, { eval: true, name: "aioscope toThread" });
    let exited = false;
    let terminated = false;
    const gone = new Promise<void>((resolve) => worker.once("exit", () => resolve()));
    worker.on("message", (data: unknown) => events.message(data));
    worker.on("error", (error: unknown) => events.error(error));
    worker.on("exit", (code: number) => {
      exited = true;
      if (!terminated) events.exit(code);
    });
    // Idle until given a job: an idle pool does not keep the process alive.
    worker.unref();
    return {
      post: (message) => worker.postMessage(message),
      setBusy: (busy) => (busy ? worker.ref() : worker.unref()),
      terminate: () => {
        terminated = true;
        if (!exited) void worker.terminate();
        return gone;
      },
    };
  },
};

function asBytes(chunk: Buffer | string): Uint8Array {
  return typeof chunk === "string" ? new TextEncoder().encode(chunk) : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/**
 * A transport over a Node stream: a socket (both ways) or one end of a child's pipe. Writes
 * go through `write()`, whose `false` (buffer above the high-water mark) pauses the writer
 * until "drain"; reading pauses and resumes the stream.
 */
function streamTransport(readable: Readable | null, writable: Writable | null, protocol: StreamProtocol, destroyable: Readable | Writable): HostTransport {
  let closing = false;
  let writePaused = false;
  const closed = new Promise<void>((resolve) => {
    if (destroyable.closed) resolve();
    else destroyable.once("close", () => resolve());
  });
  const transport: HostTransport = {
    write(data) {
      if (writable === null) throw new Error(`${protocol.peer} is not writable`);
      if (writable.writableEnded) throw new Error(`cannot write to ${protocol.peer} after writeEof() or close()`);
      if (!writable.write(data) && !writePaused) {
        writePaused = true;
        protocol.pauseWriting();
      }
    },
    writeEof() {
      writable?.end();
    },
    canWriteEof: () => writable !== null,
    close() {
      if (closing) return;
      closing = true;
      // As asyncio's transport.close(): what is written is flushed, then the connection is
      // closed both ways (a pipe we write to just ends; one we read from is let go).
      if (writable === null) readable?.destroy();
      else if (readable === null) writable.end();
      else writable.end(() => destroyable.destroy());
    },
    isClosing: () => closing || destroyable.destroyed,
    pauseReading: () => readable?.pause(),
    resumeReading: () => readable?.resume(),
    release() {
      closing = true;
      destroyable.destroy();
      return closed;
    },
  };
  if (writable !== null) {
    writable.on("drain", () => {
      writePaused = false;
      protocol.resumeWriting();
    });
  }
  if (readable !== null) {
    readable.on("data", (chunk: Buffer | string) => protocol.dataReceived(asBytes(chunk)));
    readable.on("end", () => {
      protocol.eofReceived();
      // A socket we have already ended is fully closed now; one we have not, stays half-open.
      if (writable === null || closing) destroyable.destroy();
    });
  }
  let failure: unknown = null;
  destroyable.on("error", (error: unknown) => {
    failure = error;
  });
  destroyable.once("close", () => protocol.connectionLost(failure));
  return transport;
}

function socketTransport(socket: Socket, protocol: StreamProtocol): HostTransport {
  const transport = streamTransport(socket, socket, protocol, socket);
  // As asyncio: the reading side may end while we still write (half-close).
  return transport;
}

function peerOf(socket: Socket): string {
  const host = socket.remoteAddress ?? "?";
  return `${host.includes(":") ? `[${host}]` : host}:${socket.remotePort ?? "?"}`;
}

const net: NetHost = {
  connect(options, protocol, done) {
    const socketOptions: NetConnectOpts = { host: options.host, port: options.port, allowHalfOpen: true };
    // net.Socket passes stream options on: drain() waits above this many buffered bytes.
    Object.assign(socketOptions, { writableHighWaterMark: options.highWaterMark });
    const socket = connect(socketOptions);
    let settled = false;
    socket.once("connect", () => {
      settled = true;
      protocol.connectionMade(socketTransport(socket, protocol));
      done(null, protocol._transport as HostTransport);
    });
    socket.once("error", (error) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      done(error, null);
    });
    return () => {
      if (!settled) {
        settled = true;
        socket.destroy();
      }
    };
  },
  listen(options, onConnection, done) {
    const serverOptions: ServerOpts = { allowHalfOpen: true, highWaterMark: options.highWaterMark };
    const server = createServer(serverOptions);
    let listening = false;
    server.on("connection", (socket: Socket) => {
      socket.setNoDelay(true);
      const acceptance = onConnection(peerOf(socket));
      const transport = socketTransport(socket, acceptance.protocol);
      acceptance.protocol.connectionMade(transport);
      acceptance.accepted(transport);
    });
    server.once("error", (error) => {
      if (!listening) done(error, null);
    });
    let closed: Promise<void> | null = null;
    server.listen(options.port, options.host, () => {
      listening = true;
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : options.port;
      const host = typeof address === "object" && address !== null ? address.address : options.host;
      done(null, {
        host,
        port,
        close: () => (closed ??= new Promise<void>((resolve) => server.close(() => resolve()))),
      });
    });
  },
};

const STDIO = { pipe: "pipe", devnull: "ignore", inherit: "inherit" } as const;

/** asyncio's returncode: the exit code, or minus the signal's number. */
function returncodeOf(code: number | null, signal: NodeJS.Signals | null): number {
  if (code !== null) return code;
  const numbers: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGABRT: 6, SIGKILL: 9, SIGSEGV: 11, SIGPIPE: 13, SIGALRM: 14, SIGTERM: 15 };
  return -(signal === null ? 0 : numbers[signal] ?? 0);
}

const processes: ProcessHost = {
  spawn(program, args, options, pipes, events): HostChild {
    let child: ChildProcess;
    let gone: () => void = () => {};
    // The process itself is gone ("exit"), even if something it started still holds its pipes.
    const processGone = new Promise<void>((resolve) => { gone = resolve; });
    const exited = new Promise<void>((resolve) => {
      child = spawn(program, args, {
        stdio: [STDIO[options.stdin], STDIO[options.stdout], STDIO[options.stderr]],
        ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
        ...(options.env === undefined ? {} : { env: options.env }),
      });
      let done = false;
      child.once("exit", () => gone());
      child.once("error", (error) => {
        gone();
        if (done) return;
        done = true;
        resolve();
        events.failed(error);
      });
      child.once("spawn", () => {
        if (child.stdin !== null && pipes.stdin !== null) {
          // EPIPE from a program that exits without reading its input: the drain reports it.
          pipes.stdin.connectionMade(streamTransport(null, child.stdin, pipes.stdin, child.stdin));
        }
        if (child.stdout !== null && pipes.stdout !== null) pipes.stdout.connectionMade(streamTransport(child.stdout, null, pipes.stdout, child.stdout));
        if (child.stderr !== null && pipes.stderr !== null) pipes.stderr.connectionMade(streamTransport(child.stderr, null, pipes.stderr, child.stderr));
        events.spawned(child.pid ?? -1);
      });
      // "close" comes after the exit and after its pipes have ended: what it wrote is all read.
      child.once("close", (code, signal) => {
        if (done) return;
        done = true;
        resolve();
        events.exited(returncodeOf(code, signal));
      });
    });
    return {
      signal: (name) => {
        child.kill(name);
      },
      release: () => {
        if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
        // Its pipes are ours to close: a grandchild holding them must not keep run() waiting.
        for (const stream of [child.stdin, child.stdout, child.stderr]) stream?.destroy();
        return Promise.race([exited, processGone]);
      },
    };
  },
};

/** Node's I/O, as installed for the runtime. */
export const nodeIoHost: Pick<IoHost, "threads" | "net" | "processes"> = { threads, net, processes };

/** Installs Node's I/O into the runtime (idempotent). */
export function installNodeIo(): void {
  installIoHost(nodeIoHost);
}
