// Producers put jobs on a bounded Queue, consumers take them off and call taskDone(); main
// awaits queue.join(), then cancels the consumers, which would wait on get() forever.
import { Queue, createTask, gather, run, sleep } from "aioscope";
import { fetchItem } from "./remote.mjs";

const PRODUCERS = 2;
const ITEMS_PER_PRODUCER = 5;
const CONSUMERS = 3;

await run(function* main() {
  const queue = new Queue(3);
  let consumed = 0;

  function* producer(index) {
    for (let i = 0; i < ITEMS_PER_PRODUCER; i++) {
      const item = yield* fetchItem(index * 100 + i, { delay: 20 });
      yield* queue.put(item.id);
    }
  }

  function* consumer() {
    for (;;) {
      const id = yield* queue.get();
      try {
        yield* sleep(80 + (id % 3) * 30);
        consumed++;
      } finally {
        queue.taskDone();
      }
    }
  }

  const consumers = [];
  for (let c = 1; c <= CONSUMERS; c++) consumers.push(createTask(consumer(), { name: `consumer-${c}` }));
  const producers = [];
  for (let p = 1; p <= PRODUCERS; p++) producers.push(createTask(producer(p), { name: `producer-${p}` }));
  yield* gather(producers);
  yield* queue.join();
  for (const task of consumers) task.cancel();
  yield* gather(consumers, { returnExceptions: true });
  console.log(`${consumed} jobs consumed; ${consumers.filter((t) => t.cancelled()).length} idle consumers cancelled`);
}, { name: "main" });
