/**
 * The page's I/O: Web Workers for `toThread`, WebSockets for `openConnection(url)`. Found on
 * globalThis when the host has them (pages, and workers of pages); absent elsewhere, so the
 * runtime's callers get a clear "not available" instead.
 */
import type { HostTransport, HostWorker, IoHost, ThreadHost, WebSocketHost, WorkerEvents } from "./host.ts";
import type { StreamProtocol } from "./streams.ts";
import { ConnectionError } from "./stream-errors.ts";
import { WEB_WORKER_SCRIPT } from "./worker-script.ts";

interface WebWorker {
  postMessage(message: unknown): void;
  terminate(): void;
  onmessage: ((event: { data: unknown }) => void) | null;
  onerror: ((event: { message?: string; error?: unknown; preventDefault(): void }) => void) | null;
}
type WorkerConstructor = new (url: string, options?: { type?: "module" | "classic"; name?: string }) => WebWorker;

interface WebSocketLike {
  binaryType: string;
  readonly bufferedAmount: number;
  readonly readyState: number;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
  onopen: (() => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onerror: (() => void) | null;
  onclose: ((event: { wasClean: boolean; code: number; reason: string }) => void) | null;
}
type WebSocketConstructor = new (url: string) => WebSocketLike;

const host = globalThis as unknown as {
  Worker?: WorkerConstructor;
  WebSocket?: WebSocketConstructor;
  Blob?: new (parts: string[], options: { type: string }) => object;
  URL?: { createObjectURL?(blob: object): string };
};

let scriptUrl: string | null = null;

function webThreads(Worker: WorkerConstructor): ThreadHost {
  return {
    spawnWorker(events: WorkerEvents): HostWorker {
      if (scriptUrl === null) {
        if (host.Blob === undefined || host.URL?.createObjectURL === undefined) throw new Error("toThread needs Blob and URL.createObjectURL to start a Web Worker");
        scriptUrl = host.URL.createObjectURL(new host.Blob([WEB_WORKER_SCRIPT], { type: "text/javascript" }));
      }
      // A module worker, so `toThread(moduleUrl, name)` can import() in it.
      const worker = new Worker(scriptUrl, { type: "module", name: "aioscope toThread" });
      let gone = false;
      worker.onmessage = (event) => events.message(event.data);
      worker.onerror = (event) => {
        event.preventDefault();
        events.error(event.error ?? new Error(event.message ?? "the worker failed"));
      };
      return {
        post: (message) => worker.postMessage(message),
        setBusy: () => {},
        terminate: () => {
          if (!gone) {
            gone = true;
            worker.terminate();
          }
          return Promise.resolve();
        },
      };
    },
  };
}

const OPEN = 1;
/** How often a paused WebSocket writer looks at `bufferedAmount`: the API has no event for it. */
const DRAIN_POLL_MS = 10;

function webSockets(WebSocket: WebSocketConstructor): WebSocketHost {
  return {
    connect(url, highWaterMark, protocol: StreamProtocol, done) {
      let socket: WebSocketLike;
      try {
        socket = new WebSocket(url);
      } catch (error) {
        done(error, null);
        return () => {};
      }
      socket.binaryType = "arraybuffer";
      let opened = false;
      let closing = false;
      let pollTimer: ReturnType<typeof setTimeout> | null = null;
      let closed: () => void = () => {};
      const closedPromise = new Promise<void>((resolve) => { closed = resolve; });
      const pollDrain = (): void => {
        pollTimer = null;
        if (socket.readyState !== OPEN) return;
        if (socket.bufferedAmount <= highWaterMark / 4) protocol.resumeWriting();
        else pollTimer = setTimeout(pollDrain, DRAIN_POLL_MS);
      };
      const transport: HostTransport = {
        write(data) {
          socket.send(data);
          if (socket.bufferedAmount > highWaterMark && pollTimer === null) {
            protocol.pauseWriting();
            pollTimer = setTimeout(pollDrain, DRAIN_POLL_MS);
          }
        },
        writeEof() {
          throw new Error("a WebSocket cannot half-close: use close()");
        },
        canWriteEof: () => false,
        close() {
          if (closing) return;
          closing = true;
          socket.close(1000);
        },
        isClosing: () => closing,
        // A WebSocket delivers every message; there is no reading to pause.
        pauseReading() {},
        resumeReading() {},
        release() {
          closing = true;
          if (socket.readyState <= OPEN) socket.close(1000);
          return closedPromise;
        },
      };
      socket.onopen = () => {
        opened = true;
        protocol.connectionMade(transport);
        done(null, transport);
      };
      socket.onmessage = (event) => {
        const data = event.data;
        if (data instanceof ArrayBuffer) protocol.dataReceived(new Uint8Array(data));
        else if (typeof data === "string") protocol.dataReceived(new TextEncoder().encode(data));
      };
      socket.onerror = () => {
        if (!opened) done(new ConnectionError(`could not open a WebSocket to ${url}`), null);
      };
      socket.onclose = (event) => {
        if (pollTimer !== null) clearTimeout(pollTimer);
        pollTimer = null;
        closed();
        if (!opened) return;
        closing = true;
        protocol.connectionLost(event.wasClean || event.code === 1000 ? null
          : new ConnectionError(`the WebSocket to ${url} closed with code ${event.code}${event.reason === "" ? "" : `: ${event.reason}`}`));
      };
      return () => {
        if (!opened) socket.close();
      };
    },
  };
}

/** What this host offers by default: nothing, outside pages and their workers. */
export function pageIoHost(): Pick<IoHost, "threads" | "webSocket"> {
  return {
    threads: typeof host.Worker === "function" ? webThreads(host.Worker) : null,
    webSocket: typeof host.WebSocket === "function" ? webSockets(host.WebSocket) : null,
  };
}
