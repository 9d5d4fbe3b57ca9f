/**
 * aioscope's runtime: Python's asyncio in TypeScript, instrumented. Coroutines are
 * generators and `yield*` is `await`. The contract is docs/runtime-api.md.
 *
 * @example
 * import { run, sleep, gather } from "aioscope";
 * const result = await run(function* () {
 *   return yield* gather([sleep(100, "a"), sleep(50, "b")]);
 * }); // ["a", "b"] after 100 ms
 */
export { run } from "./run.ts";
export { EventLoop, Handle, TimerHandle, getRunningLoop, getEventLoop } from "./event-loop.ts";
export type { RunOptions, ExceptionContext, ExceptionHandler } from "./event-loop.ts";
export { Future, FutureState } from "./future.ts";
export type { Operation, DoneCallback } from "./future.ts";
export { Task, createTask, currentTask, allTasks } from "./task.ts";
export { liveTasks, cancelLiveTask } from "./live-tasks.ts";
export type { LiveTask, LiveTasks, LiveAwait, LiveTaskState } from "./live-tasks.ts";
export type { CoroutineSource, TaskOptions, TaskKind } from "./task.ts";
export { ensureFuture } from "./ensure-future.ts";
export type { Awaitable } from "./ensure-future.ts";
export { sleep, awaitPromise } from "./sleep.ts";
export { gather, shield, GatheringFuture } from "./gather.ts";
export type { Awaitables } from "./gather.ts";
export { wait, asCompleted } from "./wait.ts";
export type { ReturnWhen } from "./wait.ts";
export { Timeout, timeout, timeoutAt, waitFor } from "./timeouts.ts";
export { TaskGroup, taskGroup } from "./task-group.ts";
export {
  CancelledError, TimeoutError, InvalidStateError, RuntimeError, QueueEmpty, QueueFull,
  QueueShutDown, BrokenBarrierError, ExceptionGroup,
} from "./errors.ts";
export { addInstrument, removeInstrument, RUNTIME_VERSION } from "./instrument.ts";
export type {
  Instrument, AwaitTarget, AwaitKind, TaskOutcome, Resource, ResourceKind, ResourceOp,
  RegisteredRuntime, RuntimeHook,
} from "./instrument.ts";
export { Lock } from "./lock.ts";
export { Event } from "./event.ts";
export { Condition } from "./condition.ts";
export { Semaphore, BoundedSemaphore } from "./semaphore.ts";
export { Barrier } from "./barrier.ts";
export type { BarrierState } from "./barrier.ts";
export { Queue } from "./queues.ts";
export { PriorityQueue, LifoQueue, naturalOrder } from "./queue-variants.ts";
export { toThread, THREAD_POOL_SIZE } from "./io/thread.ts";
export { StreamReader, StreamWriter, StreamProtocol, DEFAULT_LIMIT } from "./io/streams.ts";
export type { StreamTransport } from "./io/streams.ts";
export { openConnection, startServer, Server, DEFAULT_HIGH_WATER_MARK } from "./io/connections.ts";
export type { StreamOptions } from "./io/connections.ts";
export { createSubprocessExec, Process, PIPE, DEVNULL, INHERIT } from "./io/subprocess.ts";
export type { SubprocessOptions } from "./io/subprocess.ts";
export { IncompleteReadError, LimitOverrunError, ConnectionResetError, ConnectionError } from "./io/stream-errors.ts";
export { installIoHost } from "./io/host.ts";
export type {
  IoHost, ThreadHost, NetHost, WebSocketHost, ProcessHost, HostWorker, WorkerEvents, HostTransport, HostListener,
  HostChild, ChildEvents, SpawnOptions, StdioOption, ConnectOptions, Acceptance,
} from "./io/host.ts";
export { NODE_WORKER_SCRIPT } from "./io/worker-script.ts";
export type { LoopResource } from "./io/loop-resources.ts";
