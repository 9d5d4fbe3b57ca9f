/**
 * The producer/consumer pattern: producers put work on a bounded Queue, consumers take it
 * off and call taskDone() for each item; main awaits queue.join() until every item has been
 * processed, then cancels the consumers, which would otherwise wait on get() forever.
 */
import { createTask, gather, Queue, sleep, type Task } from "../../../src/runtime/index.ts";
import { fetchItem, msSince } from "../api.ts";
import type { Scenario } from "../scenario.ts";

const PRODUCERS = 2;
const ITEMS_PER_PRODUCER = 5;
const CONSUMERS = 3;
const MAXSIZE = 3;

interface Job {
  readonly itemId: number;
  readonly producer: string;
}

export interface ProducerConsumerSummary {
  readonly maxsize: number;
  readonly produced: number;
  readonly consumed: number;
  /** Items processed by each consumer. */
  readonly byConsumer: Record<string, number>;
  /** The most items the queue ever held (never above maxsize: put() waits when it is full). */
  readonly maxQueued: number;
  /** put() calls that found the queue full, so the producer had to wait for a consumer. */
  readonly putsThatWaited: number;
  /** Consumers that ended cancelled after join() returned. */
  readonly consumersCancelled: number;
  readonly elapsedMs: number;
}

export const producerConsumer: Scenario<ProducerConsumerSummary> = {
  name: "producer-consumer",
  title: "Producers and consumers on a Queue",
  teaches:
    `Two producers put ${PRODUCERS * ITEMS_PER_PRODUCER} jobs on a Queue(maxsize=${MAXSIZE}); three consumers get() them and call taskDone(). queue.join() returns once every job is done; then the idle consumers are cancelled.`,
  lookFor: "Producers block on queue.put while the queue is full, consumers on queue.get while it is empty; join ends when the last job is done.",
  *run({ progress }) {
    const start = performance.now();
    const queue = new Queue<Job>(MAXSIZE);
    let produced = 0;
    let consumed = 0;
    let maxQueued = 0;
    let putsThatWaited = 0;
    const byConsumer: Record<string, number> = {};

    function* producer(index: number): Generator<unknown, void, unknown> {
      const name = `producer-${index}`;
      for (let i = 0; i < ITEMS_PER_PRODUCER; i++) {
        // Producing is quicker than consuming, so the queue fills up and put() has to wait.
        const item = yield* fetchItem(index * 100 + i, { delay: 20 });
        if (queue.full()) putsThatWaited++;
        yield* queue.put({ itemId: item.id, producer: name });
        produced++;
        maxQueued = Math.max(maxQueued, queue.qsize());
      }
    }

    function* consumer(index: number): Generator<unknown, never, unknown> {
      const name = `consumer-${index}`;
      byConsumer[name] = 0;
      for (;;) {
        const job = yield* queue.get();
        try {
          // Processing time differs per job, so the consumers share the work unevenly.
          yield* sleep(80 + (job.itemId % 3) * 30);
          consumed++;
          byConsumer[name] = (byConsumer[name] ?? 0) + 1;
          progress(`${consumed}/${PRODUCERS * ITEMS_PER_PRODUCER} jobs done, ${queue.qsize()} queued`);
        } finally {
          queue.taskDone();
        }
      }
    }

    const consumers: Task<never>[] = [];
    for (let c = 1; c <= CONSUMERS; c++) consumers.push(createTask(consumer(c), { name: `consumer-${c}` }));
    const producers: Task<void>[] = [];
    for (let p = 1; p <= PRODUCERS; p++) producers.push(createTask(producer(p), { name: `producer-${p}` }));

    yield* gather(producers);
    progress("producers finished; awaiting queue.join()…");
    yield* queue.join();
    for (const task of consumers) task.cancel();
    yield* gather(consumers, { returnExceptions: true });
    const consumersCancelled = consumers.filter((task) => task.cancelled()).length;

    return {
      summary: { maxsize: MAXSIZE, produced, consumed, byConsumer, maxQueued, putsThatWaited, consumersCancelled, elapsedMs: msSince(start) },
      text: `${produced} produced, ${consumed} consumed (${Object.values(byConsumer).join(" / ")} per consumer); ` +
        `the queue peaked at ${maxQueued}/${MAXSIZE}, ${putsThatWaited} puts waited for room; ${consumersCancelled} idle consumers cancelled`,
    };
  },
};
