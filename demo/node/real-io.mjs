// Real I/O on the runtime: an echo server and a client over TCP, fib(25) on a worker while
// the loop keeps ticking, and a program whose output is read through a pipe. Under
// `aioscope run`, the trace shows each of them as what the tasks waited on.
import { PIPE, createSubprocessExec, createTask, openConnection, run, sleep, startServer, toThread } from "aioscope";

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function fib(n) {
  return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

function* echo(reader, writer) {
  for (;;) {
    const line = yield* reader.readline();
    if (line.length === 0) break;
    writer.write(line);
    yield* writer.drain();
  }
  writer.close();
  yield* writer.waitClosed();
}

function* echoClient(port) {
  const [reader, writer] = yield* openConnection("127.0.0.1", port);
  const replies = [];
  for (const word of ["ping", "pong"]) {
    writer.write(encoder.encode(`${word}\n`));
    yield* writer.drain();
    replies.push(decoder.decode(yield* reader.readline()).trim());
  }
  writer.close();
  yield* writer.waitClosed();
  return replies;
}

function* ticker(state) {
  while (!state.done) {
    yield* sleep(5);
    state.ticks++;
  }
}

function* listFiles() {
  const proc = yield* createSubprocessExec(process.execPath, ["-e", "console.log(['a.txt', 'b.txt'].join('\\n'))"], { stdout: PIPE });
  const [out] = yield* proc.communicate();
  return { lines: decoder.decode(out).trim().split("\n"), code: proc.returncode };
}

await run(function* main() {
  const server = yield* startServer(echo, "127.0.0.1", 0);
  const { port } = server.address();
  const client = createTask(echoClient(port), { name: "echo client" });

  const state = { done: false, ticks: 0 };
  const tick = createTask(ticker(state), { name: "ticker" });
  const value = yield* createTask(function* fibOnWorker() { return yield* toThread(fib, 25); }, { name: "fib on a worker" });
  state.done = true;
  yield* tick;

  const listing = yield* createTask(listFiles(), { name: "list files" });
  const replies = yield* client;
  server.close();
  yield* server.waitClosed();
  console.log(`echo: ${replies.join(" ")} · fib(25) = ${value} (the loop ticked ${state.ticks > 0 ? "meanwhile" : "never"}) · subprocess: ${listing.lines.join(", ")} (exit ${listing.code})`);
}, { name: "main" });
