/**
 * The host side of the runtime's I/O. The runtime itself runs in pages and in Node alike and
 * imports no host modules: each host installs what it can do. Pages get Web Workers and
 * WebSockets by default (found on globalThis, when there); Node's entry of the package
 * (`aioscope` imported under Node) installs worker_threads, TCP and child processes.
 */
import type { LoopResource } from "./loop-resources.ts";
import type { StreamProtocol, StreamTransport } from "./streams.ts";
import { pageIoHost } from "./web-host.ts";

/** A transport the loop can release: abort at once, settle once the host has let it go. */
export interface HostTransport extends StreamTransport, LoopResource {}

/** One worker as the pool drives it. */
export interface HostWorker {
  post(message: unknown): void;
  /** An idle worker must not keep the host (Node) alive; a busy one does. */
  setBusy(busy: boolean): void;
  /** Stops it (whatever it runs), settling once it is gone. */
  terminate(): Promise<void>;
}

export interface WorkerEvents {
  message(data: unknown): void;
  /** An error the worker did not catch, or one that kept it from starting. */
  error(error: unknown): void;
  exit(code: number): void;
}

export interface ThreadHost {
  /** Starts a worker running the pool's script (worker-script.ts). */
  spawnWorker(events: WorkerEvents): HostWorker;
}

export interface ConnectOptions {
  readonly host: string;
  readonly port: number;
  readonly highWaterMark: number;
}

/** A listening server as the runtime drives it. */
export interface HostListener {
  /** Where it listens (the port the host chose for port 0). */
  readonly host: string;
  readonly port: number;
  /** Stops accepting connections; settles once the listener is closed. */
  close(): Promise<void>;
}

/** What the runtime answers a new connection with: the protocol to build its transport around, and what to do once built. */
export interface Acceptance {
  readonly protocol: StreamProtocol;
  accepted(transport: HostTransport): void;
}

export interface NetHost {
  /** Connects; `done` is called once, with the transport (already `connectionMade`) or an error. Returns a way to abandon the attempt. */
  connect(options: ConnectOptions, protocol: StreamProtocol, done: (error: unknown, transport: HostTransport | null) => void): () => void;
  /** Listens; for each connection, builds its transport around `onConnection(peer).protocol` (calling `connectionMade`), then calls `accepted`. */
  listen(options: ConnectOptions, onConnection: (peer: string) => Acceptance,
    done: (error: unknown, listener: HostListener | null) => void): void;
}

export interface WebSocketHost {
  connect(url: string, highWaterMark: number, protocol: StreamProtocol, done: (error: unknown, transport: HostTransport | null) => void): () => void;
}

export type StdioOption = "pipe" | "devnull" | "inherit";

export interface SpawnOptions {
  readonly stdin: StdioOption;
  readonly stdout: StdioOption;
  readonly stderr: StdioOption;
  readonly cwd?: string | undefined;
  readonly env?: Readonly<Record<string, string>> | undefined;
}

export interface ChildEvents {
  /** The program started: its pid, and a transport for each piped stream. */
  spawned(pid: number): void;
  failed(error: unknown): void;
  /** It exited: its code, or minus the number of the signal that ended it (as asyncio's returncode). */
  exited(returncode: number): void;
}

export interface HostChild extends LoopResource {
  signal(name: "SIGTERM" | "SIGKILL"): void;
}

export interface ProcessHost {
  /** Starts `program`; the protocols of the piped streams get their transports before `spawned`. */
  spawn(program: string, args: readonly string[], options: SpawnOptions,
    pipes: { stdin: StreamProtocol | null; stdout: StreamProtocol | null; stderr: StreamProtocol | null },
    events: ChildEvents): HostChild;
}

export interface IoHost {
  threads: ThreadHost | null;
  net: NetHost | null;
  webSocket: WebSocketHost | null;
  processes: ProcessHost | null;
}

const installed: IoHost = { threads: null, net: null, webSocket: null, processes: null };
let defaultsTried = false;

/**
 * Installs (part of) a host's I/O. Node's entry calls it; a test may too. What is not given
 * stays as it was.
 */
export function installIoHost(host: Partial<IoHost>): void {
  Object.assign(installed, host);
}

/** What the host can do: the page's defaults (Web Workers, WebSockets) filled in on first use. */
export function ioHost(): IoHost {
  if (!defaultsTried) {
    defaultsTried = true;
    const page = pageIoHost();
    installed.threads ??= page.threads;
    installed.webSocket ??= page.webSocket;
  }
  return installed;
}

export function missing(what: string, needs: string): Error {
  return new Error(`${what} is not available here: it needs ${needs}`);
}
