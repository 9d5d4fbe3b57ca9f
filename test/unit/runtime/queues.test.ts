/**
 * Queue, PriorityQueue and LifoQueue: the behaviours of CPython's
 * Lib/test/test_asyncio/test_queues.py (3.13, with shutdown), the cancelled getter/putter
 * rules (no item lost, no slot lost), and what instruments see. Every test runs on the
 * virtual clock; `yield* sleep(0)` lets every ready task run one step.
 */
import { describe, expect, it } from "vitest";
import {
  CancelledError, LifoQueue, PriorityQueue, Queue, QueueEmpty, QueueFull, QueueShutDown,
  TimeoutError, addInstrument, createTask, gather, getRunningLoop, naturalOrder,
  removeInstrument, run, sleep, taskGroup, waitFor, type Instrument, type Task,
} from "../../../src/runtime/index.ts";
import { expectThrows, lcg } from "./helpers.ts";

function go<T>(main: () => Generator<unknown, T, unknown>): Promise<T> {
  return run(main, { clock: "virtual", name: "main" });
}



const show = (q: Queue<unknown>): string => String(q).replace(/#\d+/, "#n");

describe("Queue basics", () => {
  it("shows its size, waiting getters and putters, unfinished tasks and shutdown (test_repr)", async () => {
    await go(function* () {
      const log: string[] = [];
      const q = new Queue<number>();
      log.push(show(q));
      const getter = createTask(q.get());
      yield* sleep(0);
      log.push(show(q));
      q.putNowait(0);
      expect(yield* getter).toBe(0);

      const bounded = new Queue<number>(1);
      bounded.putNowait(1);
      const putter = createTask(bounded.put(2));
      yield* sleep(0);
      log.push(show(bounded));
      bounded.getNowait();
      yield* putter;
      log.push(show(bounded));
      bounded.shutdown();
      log.push(show(bounded));
      expect(log).toEqual([
        "<Queue#n maxsize=0 qsize=0>",
        "<Queue#n maxsize=0 qsize=0 getters[1]>",
        "<Queue#n maxsize=1 qsize=1 putters[1] tasks=1>",
        "<Queue#n maxsize=1 qsize=1 tasks=2>",
        "<Queue#n maxsize=1 qsize=1 tasks=2 shutdown>",
      ]);
    });
  });

  it("reports empty and full (test_empty, test_full)", async () => {
    await go(function* () {
      const q = new Queue<number>();
      expect(q.empty()).toBe(true);
      expect(q.full()).toBe(false);
      yield* q.put(1);
      expect(q.empty()).toBe(false);
      expect(yield* q.get()).toBe(1);
      expect(q.empty()).toBe(true);
      const one = new Queue<number>(1);
      yield* one.put(1);
      expect(one.full()).toBe(true);
      expect(one.maxsize).toBe(1);
    });
  });

  it("hands items out first in, first out, also when its ring buffer grows (test_order)", async () => {
    await go(function* () {
      const q = new Queue<number>();
      for (const i of [1, 3, 2]) yield* q.put(i);
      expect([yield* q.get(), yield* q.get(), yield* q.get()]).toEqual([1, 3, 2]);
      // Wrap around the ring, then grow it while wrapped.
      for (let k = 0; k < 10; k++) q.putNowait(k);
      for (let k = 0; k < 8; k++) q.getNowait();
      for (let k = 10; k < 50; k++) q.putNowait(k);
      const out: number[] = [];
      while (!q.empty()) out.push(q.getNowait());
      expect(out).toEqual(Array.from({ length: 42 }, (_, k) => k + 8));
    });
  });

  it("blocks a putter while full until a get frees a slot (test_maxsize)", async () => {
    const log: string[] = [];
    await go(function* () {
      const q = new Queue<number>(2);
      const t = createTask(function* () {
        for (let i = 0; i < 3; i++) {
          yield* q.put(i);
          log.push(`put ${i}`);
        }
        return true;
      });
      yield* sleep(0);
      yield* sleep(0);
      log.push(`main gets ${yield* q.get()}`);
      yield* sleep(0);
      log.push(`main gets ${yield* q.get()}`, `main gets ${yield* q.get()}`, `putter result ${t.result()}`);
    });
    expect(log).toEqual(["put 0", "put 1", "main gets 0", "put 2", "main gets 1", "main gets 2", "putter result true"]);
  });

  it("accepts a fractional maxsize as asyncio does (test_float_maxsize)", async () => {
    await go(function* () {
      const q = new Queue<number>(1.3);
      q.putNowait(1);
      q.putNowait(2);
      expect(q.full()).toBe(true);
      expect(() => q.putNowait(3)).toThrow(QueueFull);
      const awaited = new Queue<number>(1.3);
      yield* awaited.put(1);
      yield* awaited.put(2);
      expect(awaited.full()).toBe(true);
    });
  });
});

describe("Queue.get", () => {
  it("returns an item at once when there is one (test_blocking_get, test_nonblocking_get)", async () => {
    await go(function* () {
      const q = new Queue<number>();
      q.putNowait(1);
      expect(yield* q.get()).toBe(1);
      q.putNowait(2);
      expect(q.getNowait()).toBe(2);
    });
  });

  it("throws QueueEmpty from getNowait on an empty queue (test_nonblocking_get_exception)", () => {
    const q = new Queue<number>();
    expect(() => q.getNowait()).toThrow(QueueEmpty);
    expect(() => q.getNowait()).toThrow(/^Queue#\d+ \(0\/∞\) is empty$/);
  });

  it("wakes a waiting putter when it takes an item (test_get_with_putters)", async () => {
    await go(function* () {
      const q = new Queue<number>(1);
      yield* q.put(1);
      const putter = createTask(q.put(2));
      yield* sleep(0);
      expect(yield* q.get()).toBe(1);
      yield* sleep(0);
      expect(putter.done()).toBe(true);
      expect(q.getNowait()).toBe(2);
    });
  });

  it("waits for a put from a timer (test_blocking_get_wait)", async () => {
    await go(function* () {
      const q = new Queue<number>();
      const loop = getRunningLoop();
      const t = createTask(function* () {
        const item = yield* q.get();
        return [item, loop.time()];
      });
      yield* sleep(0);
      loop.callLater(10, () => q.putNowait(1));
      expect(yield* t).toEqual([1, 10]);
    });
  });

  it("gives an item to the next getter when the first one was cancelled (test_get_cancelled_race)", async () => {
    await go(function* () {
      const q = new Queue<string>();
      const t1 = createTask(q.get());
      const t2 = createTask(q.get());
      yield* sleep(0);
      t1.cancel();
      yield* sleep(0);
      expect(t1.done()).toBe(true);
      yield* q.put("a");
      yield* sleep(0);
      expect(yield* t2).toBe("a");
    });
  });

  it("takes items from blocked putters in their order (test_get_with_waiting_putters)", async () => {
    await go(function* () {
      const q = new Queue<string>(1);
      createTask(q.put("a"));
      createTask(q.put("b"));
      expect(yield* q.get()).toBe("a");
      expect(yield* q.get()).toBe("b");
    });
  });

  it("keeps a one-slot producer and consumer going (test_why_are_getters_waiting)", async () => {
    await go(function* () {
      const q = new Queue<number>(1);
      const got: number[] = [];
      yield* taskGroup(function* (tg) {
        tg.createTask(function* () { for (let i = 0; i < 5; i++) yield* q.put(i); });
        for (let i = 0; i < 5; i++) got.push(yield* q.get()); // the body is the consumer
      });
      expect(got).toEqual([0, 1, 2, 3, 4]);
    });
  });

  it("forgets a getter whose wait timed out (test_cancelled_getters_not_being_held_in_self_getters)", async () => {
    await go(function* () {
      const q = new Queue<number>(5);
      yield* expectThrows(waitFor(q.get(), 100), TimeoutError);
      expect(q._getters.size).toBe(0);
    });
  });

  it("loses no item when a woken getter is cancelled (test_get_cancel_drop_one_pending_reader)", async () => {
    await go(function* () {
      const q = new Queue<number>();
      let reader = createTask(q.get());
      yield* sleep(0);
      q.putNowait(1);
      q.putNowait(2);
      reader.cancel();
      try {
        yield* reader;
      } catch (error) {
        if (!(error instanceof CancelledError)) throw error;
        reader = createTask(q.get());
        yield* reader;
      }
      expect(reader.result()).toBe(1); // 2 would mean 1 was dropped
      expect(q.qsize()).toBe(1);
    });
  });

  it("passes the item of a cancelled woken getter to the next getter (test_get_cancel_drop_many_pending_readers)", async () => {
    const log: string[] = [];
    await go(function* () {
      const q = new Queue<number>();
      const reader = (name: string) => createTask(function* () {
        const item = yield* q.get();
        log.push(`${name} got ${item}`);
        return item;
      });
      const r1 = reader("r1");
      const r2 = reader("r2");
      const r3 = reader("r3");
      yield* sleep(0);
      q.putNowait(1); // wakes r1
      q.putNowait(2); // wakes r2
      r1.cancel(); // r1 leaves: its wake-up must go to r3
      yield* expectThrows(r1, CancelledError);
      yield* waitFor(r3, 1000); // a lost wake-up would hang r3: fail fast instead
      yield* r2;
      log.push(`left in queue ${q.qsize()}, getters ${q._getters.size}`);
    });
    expect(log).toEqual(["r2 got 1", "r3 got 2", "left in queue 0, getters 0"]);
  });
});

describe("Queue.put", () => {
  it("never blocks on an unbounded queue (test_blocking_put, test_nonblocking_put)", async () => {
    await go(function* () {
      const q = new Queue<number>();
      yield* q.put(1);
      expect(yield* q.get()).toBe(1);
      q.putNowait(2);
      expect(q.getNowait()).toBe(2);
    });
  });

  it("waits for a get from a timer when full (test_blocking_put_wait)", async () => {
    await go(function* () {
      const q = new Queue<number>(1);
      const loop = getRunningLoop();
      loop.callLater(10, () => q.getNowait());
      yield* q.put(1);
      yield* q.put(2);
      expect(loop.time()).toBe(10);
      expect(q.getNowait()).toBe(2);
    });
  });

  it("throws QueueFull from putNowait on a full queue (test_nonblocking_put_exception)", () => {
    const q = new Queue<number>(1);
    q.putNowait(1);
    expect(() => q.putNowait(2)).toThrow(QueueFull);
    expect(() => q.putNowait(2)).toThrow(/^Queue#\d+ \(1\/1\) is full$/);
  });

  it("loses no slot when a woken putter is cancelled (test_put_cancel_drop)", async () => {
    await go(function* () {
      const q = new Queue<number>(1);
      q.putNowait(1);
      let writer = createTask(q.put(2));
      yield* sleep(0);
      expect(q.getNowait()).toBe(1); // wakes the writer
      writer.cancel();
      try {
        yield* writer;
      } catch (error) {
        if (!(error instanceof CancelledError)) throw error;
        writer = createTask(q.put(2));
        yield* writer;
      }
      expect(q.getNowait()).toBe(2);
      expect(q.qsize()).toBe(0);
    });
  });

  it("passes the free slot of a cancelled woken putter to the next putter", async () => {
    const log: string[] = [];
    await go(function* () {
      const q = new Queue<string>(1);
      q.putNowait("x");
      const writer = (item: string) => createTask(function* () {
        yield* q.put(item);
        log.push(`put ${item}`);
      });
      const a = writer("a");
      const b = writer("b");
      yield* sleep(0);
      log.push(`got ${q.getNowait()}`); // wakes a
      a.cancel(); // a leaves: its slot must go to b
      yield* waitFor(gather([a, b], { returnExceptions: true }), 1000);
      log.push(`a cancelled=${a.cancelled()} queue=${show(q)}`);
    });
    expect(log).toEqual(["got x", "put b", "a cancelled=true queue=<Queue#n maxsize=1 qsize=1 tasks=2>"]);
  });

  it("skips a cancelled putter that was never woken (test_put_cancelled_race)", async () => {
    await go(function* () {
      const q = new Queue<string>(1);
      const putA = createTask(q.put("a"));
      const putB = createTask(q.put("b"));
      const putC = createTask(q.put("X"));
      yield* sleep(0);
      expect([putA.done(), putB.done()]).toEqual([true, false]);
      putC.cancel();
      yield* sleep(0);
      expect(putC.done()).toBe(true);
      expect(q.getNowait()).toBe("a");
      yield* sleep(0);
      expect(q.getNowait()).toBe("b");
      yield* putB;
    });
  });

  it("hands an item straight to a waiting getter (test_put_cancelled, test_put_with_waiting_getters)", async () => {
    await go(function* () {
      const q = new Queue<string>();
      const t = createTask(q.get());
      yield* sleep(0);
      yield* q.put("a");
      expect(yield* t).toBe("a");
    });
  });

  it("keeps putters going when a getter drains in bulk (test_why_are_putters_waiting)", async () => {
    await go(function* () {
      const q = new Queue<number>(2);
      const drained: number[] = [];
      yield* taskGroup(function* (tg) {
        for (const i of [0, 1, 2, 3]) tg.createTask(q.put(i));
        // The body is the getter: once the putters ran, it drains what is there at once.
        yield* sleep(0);
        for (let n = q.qsize(); n > 0; n--) drained.push(q.getNowait());
      });
      expect(drained).toEqual([0, 1]);
      expect([q.getNowait(), q.getNowait()]).toEqual([2, 3]);
    });
  });

  it("forgets a putter cancelled while waiting, also after a get woke it (test_cancelled_puts_not_being_held_in_self_putters, test_cancelled_put_silence_value_error_exception)", async () => {
    await go(function* () {
      const q = new Queue<number>(1);
      q.putNowait(1);
      const putTask = createTask(q.put(1));
      yield* sleep(0);
      expect(q._putters.size).toBe(1);
      putTask.cancel();
      yield* expectThrows(putTask, CancelledError);
      expect(q._putters.size).toBe(0);

      const woken = createTask(q.put(2));
      yield* sleep(0);
      q.getNowait(); // takes the putter out of line and wakes it
      woken.cancel();
      yield* expectThrows(woken, CancelledError);
      expect(q._putters.size).toBe(0);
    });
  });
});

describe("LifoQueue and PriorityQueue", () => {
  it("hands out the last item first (LifoQueueTests.test_order)", async () => {
    await go(function* () {
      const q = new LifoQueue<number>();
      for (const i of [1, 3, 2]) yield* q.put(i);
      expect([yield* q.get(), yield* q.get(), yield* q.get()]).toEqual([2, 3, 1]);
      expect(show(q)).toBe("<LifoQueue#n maxsize=0 qsize=0 tasks=3>");
    });
  });

  it("hands out the smallest item first (PriorityQueueTests.test_order)", async () => {
    await go(function* () {
      const q = new PriorityQueue<number>();
      for (const i of [1, 3, 2]) yield* q.put(i);
      expect([yield* q.get(), yield* q.get(), yield* q.get()]).toEqual([1, 2, 3]);
    });
  });

  it("orders [priority, item] tuples as Python does, or by a given compare", () => {
    const q = new PriorityQueue<[number, string]>();
    for (const entry of [[2, "b"], [1, "z"], [3, "a"], [1, "a"]] as [number, string][]) q.putNowait(entry);
    const out: [number, string][] = [];
    while (!q.empty()) out.push(q.getNowait());
    expect(out).toEqual([[1, "a"], [1, "z"], [2, "b"], [3, "a"]]);

    const byLength = new PriorityQueue<string>(0, (a, b) => b.length - a.length);
    for (const word of ["a", "abc", "ab"]) byLength.putNowait(word);
    expect([byLength.getNowait(), byLength.getNowait(), byLength.getNowait()]).toEqual(["abc", "ab", "a"]);
    expect(naturalOrder([1, 2], [1])).toBeGreaterThan(0);
    expect(naturalOrder("b", "a")).toBe(1);
  });

  it("keeps heap order through many interleaved puts and gets", () => {
    const random = lcg(3);
    const q = new PriorityQueue<number>();
    const model: number[] = [];
    for (let k = 0; k < 2000; k++) {
      if (model.length === 0 || random() < 0.6) {
        const value = Math.floor(random() * 500);
        q.putNowait(value);
        model.push(value);
      } else {
        model.sort((a, b) => a - b);
        expect(q.getNowait()).toBe(model.shift());
      }
      expect(q.qsize()).toBe(model.length);
    }
  });
});

describe.each([
  ["Queue", () => new Queue<number>()],
  ["LifoQueue", () => new LifoQueue<number>()],
  ["PriorityQueue", () => new PriorityQueue<number>()],
] as const)("%s join and taskDone", (_name, make) => {
  it("throws RangeError when taskDone is called too many times (test_task_done_underflow)", () => {
    const q = make();
    expect(() => q.taskDone()).toThrow(RangeError);
    expect(() => q.taskDone()).toThrow(/^taskDone\(\) called too many times$/);
  });

  it("returns from join once every item is marked done (test_task_done)", async () => {
    await go(function* () {
      const q = make();
      for (let i = 0; i < 100; i++) q.putNowait(i);
      let accumulator = 0;
      let running = true;
      const worker = function* () {
        while (running) {
          const item = yield* q.get();
          accumulator += item;
          q.taskDone();
        }
      };
      yield* taskGroup(function* (tg) {
        const workers = [tg.createTask(worker), tg.createTask(worker)];
        yield* q.join();
        expect(accumulator).toBe(4950);
        running = false;
        for (let k = 0; k < workers.length; k++) q.putNowait(0);
      });
    });
  });

  it("returns from join at once when nothing is unfinished (test_join_empty_queue)", async () => {
    const log: string[] = [];
    await go(function* () {
      const q = make();
      getRunningLoop().callSoon(() => log.push("other callback ran"));
      yield* q.join();
      yield* q.join();
      log.push("joined");
      yield* sleep(0);
    });
    expect(log).toEqual(["joined", "other callback ran"]);
  });
});

describe.each([
  ["Queue", (maxsize?: number) => new Queue<string>(maxsize)],
  ["LifoQueue", (maxsize?: number) => new LifoQueue<string>(maxsize)],
  ["PriorityQueue", (maxsize?: number) => new PriorityQueue<string>(maxsize)],
] as const)("%s shutdown", (_name, make) => {
  it("makes waiting and later gets throw QueueShutDown on an empty queue (test_shutdown_empty)", async () => {
    await go(function* () {
      const q = make();
      const getTask = createTask(q.get());
      yield* sleep(0);
      q.shutdown(false);
      expect(q.qsize()).toBe(0);
      yield* q.join();
      yield* sleep(0);
      expect(getTask.done()).toBe(true);
      yield* expectThrows(getTask, QueueShutDown);
      yield* expectThrows(q.put("data"), QueueShutDown);
      expect(() => q.putNowait("data")).toThrow(QueueShutDown);
      yield* expectThrows(q.get(), QueueShutDown);
      expect(() => q.getNowait()).toThrow(QueueShutDown);
      expect(String(q)).toMatch(/ shutdown>$/);
    });
  });

  it("lets gets drain a non-empty queue, then throws (test_shutdown_nonempty)", async () => {
    await go(function* () {
      const q = make(1);
      q.putNowait("data");
      const joinTask = createTask(q.join());
      const putTask = createTask(q.put("data2"));
      yield* sleep(0);
      expect(putTask.done()).toBe(false);
      q.shutdown(false);
      expect(q.qsize()).toBe(1);
      yield* sleep(0);
      expect(putTask.done()).toBe(true);
      yield* expectThrows(putTask, QueueShutDown);
      expect(yield* q.get()).toBe("data");
      yield* sleep(0);
      expect(joinTask.done()).toBe(false);
      yield* expectThrows(q.put("data"), QueueShutDown);
      expect(() => q.putNowait("data")).toThrow(QueueShutDown);
      yield* expectThrows(q.get(), QueueShutDown);
      expect(() => q.getNowait()).toThrow(QueueShutDown);
      q.taskDone();
      yield* sleep(0);
      expect(joinTask.done()).toBe(true);
      yield* joinTask;
      expect(() => q.taskDone()).toThrow(RangeError);
    });
  });

  it("drops the items and releases join when immediate (test_shutdown_immediate)", async () => {
    await go(function* () {
      const q = make();
      q.putNowait("data");
      const joinTask = createTask(q.join());
      q.shutdown(true);
      expect(q.qsize()).toBe(0);
      yield* sleep(0);
      expect(joinTask.done()).toBe(true);
      yield* joinTask;
      yield* expectThrows(q.put("data"), QueueShutDown);
      expect(() => q.putNowait("data")).toThrow(QueueShutDown);
      yield* expectThrows(q.get(), QueueShutDown);
      expect(() => q.getNowait()).toThrow(QueueShutDown);
      expect(() => q.taskDone()).toThrow(RangeError);
    });
  });

  it("keeps join waiting for items already taken when immediate (test_shutdown_immediate_with_unfinished)", async () => {
    await go(function* () {
      const q = make();
      q.putNowait("data");
      q.putNowait("data");
      const joinTask = createTask(q.join());
      expect(yield* q.get()).toBe("data");
      q.shutdown(true);
      expect(q.qsize()).toBe(0);
      yield* sleep(0);
      expect(joinTask.done()).toBe(false);
      yield* expectThrows(q.get(), QueueShutDown);
      q.taskDone();
      expect(() => q.taskDone()).toThrow(RangeError);
      yield* sleep(0);
      expect(joinTask.done()).toBe(true);
    });
  });

  it("wakes a putter blocked on a full queue with QueueShutDown, even when immediate empties it", async () => {
    await go(function* () {
      const q = make(1);
      q.putNowait("a");
      const putter = createTask(q.put("b"));
      yield* sleep(0);
      q.shutdown(true);
      yield* expectThrows(putter, QueueShutDown);
      expect(q.qsize()).toBe(0);
    });
  });
});

describe("Queue cancellation rules under load", () => {
  it("neither loses nor duplicates an item while getters are cancelled at random", async () => {
    const random = lcg(11);
    await go(function* () {
      const q = new Queue<number>(4);
      const received: number[] = [];
      const consumers: Task<void>[] = [];
      const total = 300;
      const producer = createTask(function* () {
        for (let i = 0; i < total; i++) {
          yield* q.put(i);
          if (random() < 0.3) yield* sleep(0);
        }
      });
      const spawn = () => consumers.push(createTask(function* () {
        for (;;) received.push(yield* q.get());
      }));
      for (let k = 0; k < 4; k++) spawn();
      while (!producer.done()) {
        for (const c of consumers) {
          if (!c.done() && random() < 0.1) {
            c.cancel();
            spawn();
          }
        }
        yield* sleep(0);
      }
      while (!q.empty()) yield* sleep(0);
      for (const c of consumers) c.cancel();
      yield* gather(consumers, { returnExceptions: true });
      expect([...received].sort((a, b) => a - b)).toEqual(Array.from({ length: total }, (_, k) => k));
      expect(consumers.filter((c) => c.cancelled()).length).toBeGreaterThan(10);
      expect([q._getters.size, q._putters.size]).toEqual([0, 0]);
    });
  });
});

describe("instrumentation of queues", () => {
  it("reports queue.get, queue.put and queue.join waits and every queue operation, in order", async () => {
    const events: string[] = [];
    const instrument: Instrument = {
      afterTaskStep(task, waitingOn) {
        if (waitingOn !== null && waitingOn.kind.startsWith("queue.")) {
          events.push(`${task.getName()} waits on ${waitingOn.kind} "${waitingOn.label}" id=${waitingOn.id}`);
        }
      },
      resourceOp(resource, op, task, value) {
        events.push(`${resource.kind} ${op} by ${task?.getName() ?? "nobody"} value=${value}`);
      },
    };
    addInstrument(instrument);
    let id = 0;
    try {
      await go(function* () {
        const q = new Queue<string>(1);
        id = q.id;
        const consumer = createTask(function* () {
          for (let k = 0; k < 2; k++) {
            yield* q.get();
            q.taskDone();
          }
        }, { name: "consumer" });
        yield* sleep(0);
        yield* q.put("a");
        yield* q.put("b");
        yield* q.join();
        q.shutdown();
        yield* consumer;
      });
    } finally {
      removeInstrument(instrument);
    }
    expect(events).toEqual([
      "queue create by main value=0",
      `consumer waits on queue.get "Queue#${id} (0/1)" id=${id}`,
      "queue put by main value=1",
      `main waits on queue.put "Queue#${id} (1/1)" id=${id}`,
      "queue get by consumer value=0",
      "queue taskDone by consumer value=0",
      `consumer waits on queue.get "Queue#${id} (0/1)" id=${id}`,
      "queue put by main value=1",
      `main waits on queue.join "Queue#${id} (1/1)" id=${id}`,
      "queue get by consumer value=0",
      "queue taskDone by consumer value=0",
      "queue shutdown by main value=0",
    ]);
  });
});
