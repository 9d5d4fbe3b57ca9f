/**
 * Streams over a WebSocket: openConnection(url) to the demo server's echo, lines written
 * with write() and drain(), read back with readline(), then close() and waitClosed() — the
 * same StreamReader and StreamWriter as a TCP connection in Node.
 */
import { openConnection } from "../../../src/runtime/index.ts";
import { msSince } from "../api.ts";
import type { Scenario } from "../scenario.ts";

const LINES = ["hello", "from the page", "over a WebSocket"];

export interface WebSocketEchoSummary {
  readonly url: string;
  readonly replies: string[];
  /** A 1 MiB write, drained and echoed back whole. */
  readonly bigEchoBytes: number;
  readonly elapsedMs: number;
}

export const webSocketEcho: Scenario<WebSocketEchoSummary> = {
  name: "websocket-echo",
  title: "WebSocket streams",
  teaches:
    "openConnection(url) gives a StreamReader and a StreamWriter over a WebSocket: write() and drain() send, readline() and readexactly() wait for the echo, close() and waitClosed() end it.",
  lookFor: `The task waits on "stream.connect", then on "stream.read" for each echoed line, labelled with the WebSocket's URL.`,
  *run({ progress }) {
    const url = `${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws/echo`;
    const start = performance.now();
    progress(`connecting to ${url}…`);
    const [reader, writer] = yield* openConnection(url);
    const encoder = new TextEncoder();
    const replies: string[] = [];
    for (const line of LINES) {
      progress(`sent "${line}", waiting for its echo…`);
      writer.write(encoder.encode(`${line}\n`));
      yield* writer.drain();
      replies.push(new TextDecoder().decode(yield* reader.readline()).trimEnd());
    }
    const big = new Uint8Array(1024 * 1024).map((_, i) => i % 251);
    writer.write(big);
    yield* writer.drain();
    const echoed = yield* reader.readexactly(big.length);
    const same = echoed.every((byte, i) => byte === big[i]);
    writer.close();
    yield* writer.waitClosed();
    const elapsedMs = msSince(start);
    return {
      summary: { url, replies, bigEchoBytes: same ? echoed.length : -1, elapsedMs },
      text: `echoed ${replies.map((r) => `"${r}"`).join(", ")} and 1 MiB, in ${elapsedMs} ms`,
    };
  },
};
