/**
 * Lock, Event, Condition, Semaphore, BoundedSemaphore and Barrier: the behaviours of
 * CPython's Lib/test/test_asyncio/test_locks.py, the cancelled-waiter hand-off rules, and
 * what instruments see. Every test runs on the virtual clock; `yield* sleep(0)` in the main
 * task lets every ready task run one step (asyncio's `await asyncio.sleep(0)`).
 */
import { describe, expect, it } from "vitest";
import {
  Barrier, BoundedSemaphore, BrokenBarrierError, CancelledError, Condition, Event, Lock,
  RuntimeError, Semaphore, TimeoutError, addInstrument, createTask, gather, removeInstrument,
  getRunningLoop, run, sleep, waitFor, type Future, type Instrument, type Task,
} from "../../../src/runtime/index.ts";
import { expectThrows, lcg } from "./helpers.ts";

function go<T>(main: () => Generator<unknown, T, unknown>): Promise<T> {
  return run(main, { clock: "virtual", name: "main" });
}

/** Lets every ready task run `n` steps. */
function* turns(n: number): Generator<unknown, void, unknown> {
  for (let k = 0; k < n; k++) yield* sleep(0);
}



describe("Lock", () => {
  it("is acquired at once when free and shows its state", async () => {
    const log = await go(function* () {
      const lock = new Lock();
      const log = [String(lock).replace(/#\d+/, "#n")];
      log.push(`acquired=${yield* lock.acquire()}`, `locked=${lock.locked()}`, String(lock).replace(/#\d+/, "#n"));
      lock.release();
      log.push(`locked=${lock.locked()}`);
      return log;
    });
    expect(log).toEqual(["<Lock#n [unlocked]>", "acquired=true", "locked=true", "<Lock#n [locked]>", "locked=false"]);
  });

  it("wakes waiters in FIFO order, one per release (test_acquire)", async () => {
    const log: string[] = [];
    await go(function* () {
      const lock = new Lock();
      yield* lock.acquire();
      const waiter = (n: number) => function* () {
        if (yield* lock.acquire()) log.push(`c${n} acquired`);
        return true;
      };
      const t1 = createTask(waiter(1));
      const t2 = createTask(waiter(2));
      yield* sleep(0);
      log.push(`main: ${lock} waiters`);
      lock.release();
      yield* sleep(0);
      log.push("main: after first release");
      yield* sleep(0);
      const t3 = createTask(waiter(3));
      lock.release();
      yield* sleep(0);
      log.push("main: after second release");
      lock.release();
      yield* sleep(0);
      log.push(`main: done=${[t1, t2, t3].map((t) => t.result()).join(",")}`);
    });
    expect(log.map((l) => l.replace(/#\d+/, "#n"))).toEqual([
      "main: <Lock#n [locked, waiters:2]> waiters",
      "c1 acquired",
      "main: after first release",
      "c2 acquired",
      "main: after second release",
      "c3 acquired",
      "main: done=true,true,true",
    ]);
  });

  it("throws RuntimeError when released while unlocked", async () => {
    const lock = new Lock();
    expect(() => lock.release()).toThrow(RuntimeError);
    expect(() => lock.release()).toThrow(/Lock is not acquired: release\(\) called on <Lock#\d+ \[unlocked\]>/);
  });

  it("forgets a waiter cancelled while waiting (test_acquire_cancel)", async () => {
    await go(function* () {
      const lock = new Lock();
      yield* lock.acquire();
      const task = createTask(lock.acquire());
      yield* sleep(0);
      expect(lock._waiters.size).toBe(1);
      task.cancel();
      yield* expectThrows(task, CancelledError);
      expect(lock._waiters.size).toBe(0);
      expect(lock.locked()).toBe(true);
    });
  });

  it("passes the lock on when a waiter is cancelled while being woken (test_finished_waiter_cancelled)", async () => {
    const log: string[] = [];
    await go(function* () {
      const lock = new Lock();
      yield* lock.acquire();
      const tb = createTask(function* () {
        yield* lock.acquire();
        log.push("b acquired"); // must never happen: b was cancelled
      });
      yield* sleep(0);
      const tc = createTask(function* () {
        yield* lock.acquire();
        log.push("c acquired");
      });
      tb.cancel();
      lock.release();
      log.push(`after release: locked=${lock.locked()}`);
      yield* sleep(0);
      log.push(`b cancelled=${tb.cancelled()} locked=${lock.locked()}`);
      yield* waitFor(tc, 1000);
      log.push(`c done, locked=${lock.locked()}, waiters=${lock._waiters.size}`);
    });
    expect(log).toEqual([
      "after release: locked=false",
      "c acquired",
      "b cancelled=true locked=true",
      "c done, locked=true, waiters=0",
    ]);
  });

  it("skips a waiter cancelled just before release (test_cancel_race)", async () => {
    const log: string[] = [];
    await go(function* () {
      const lock = new Lock();
      const fa = getRunningLoop().createFuture<void>();
      const lockit = (name: string, blocker: Future<void> | null) => function* () {
        yield* lock.acquire();
        log.push(`${name} acquired`);
        try {
          if (blocker !== null) yield* blocker;
        } finally {
          lock.release();
          log.push(`${name} released`);
        }
      };
      const ta = createTask(lockit("A", fa));
      yield* sleep(0);
      const tb = createTask(lockit("B", null));
      yield* sleep(0);
      const tc = createTask(lockit("C", null));
      yield* sleep(0);
      expect(lock._waiters.size).toBe(2);
      fa.setResult();
      tb.cancel();
      expect(lock._waiters.first()!.cancelled()).toBe(true);
      yield* sleep(0);
      log.push(`A done=${ta.done()} B cancelled=${tb.cancelled()}`);
      yield* waitFor(tc, 1000); // a lost lock would hang C: fail fast instead
    });
    expect(log).toEqual(["A acquired", "A released", "A done=true B cancelled=true", "C acquired", "C released"]);
  });

  it("grants the lock to exactly one task when a waiter is cancelled as the lock is released (test_cancel_release_race)", async () => {
    await go(function* () {
      const lock = new Lock();
      let lockCount = 0;
      let callCount = 0;
      const lockit = function* () {
        callCount++;
        yield* lock.acquire();
        lockCount++;
      };
      yield* lock.acquire();
      const t1 = createTask(lockit);
      const t2 = createTask(lockit);
      const t3 = createTask(lockit);
      yield* sleep(0);
      t1.getLoop().callSoon(() => {
        t1.cancel();
        lock.release();
      });
      yield* expectThrows(t1, CancelledError);
      expect(lockCount).toBe(1);
      expect(callCount).toBe(3);
      expect(t1.cancelled() && t2.done()).toBe(true);
      t3.cancel();
      yield* sleep(0);
      expect(t3.cancelled()).toBe(true);
    });
  });

  it("does not let a newcomer barge past a woken waiter", async () => {
    const log: string[] = [];
    await go(function* () {
      const lock = new Lock();
      yield* lock.acquire();
      const waiter = createTask(function* () {
        yield* lock.acquire();
        log.push("waiter acquired");
        lock.release();
      });
      yield* sleep(0);
      lock.release(); // wakes the waiter, which has not run yet: the lock looks free
      log.push(`main tries, locked=${lock.locked()}`);
      yield* lock.acquire();
      log.push(`main acquired, waiter done=${waiter.done()}`);
      lock.release();
    });
    expect(log).toEqual(["main tries, locked=false", "waiter acquired", "main acquired, waiter done=true"]);
  });

  it("never has two holders and never loses the lock while waiters are cancelled at random", async () => {
    const random = lcg(7);
    await go(function* () {
      const lock = new Lock();
      let holders = 0;
      let maxHolders = 0;
      let completed = 0;
      const tasks: Task<void>[] = [];
      for (let k = 0; k < 60; k++) {
        tasks.push(createTask(function* () {
          yield* lock.acquire();
          holders++;
          maxHolders = Math.max(maxHolders, holders);
          try {
            yield* sleep(0);
          } finally {
            holders--;
            lock.release();
          }
          completed++;
        }));
      }
      for (let round = 0; round < 200 && tasks.some((t) => !t.done()); round++) {
        for (const t of tasks) if (!t.done() && random() < 0.08) t.cancel();
        yield* sleep(0);
      }
      yield* gather(tasks, { returnExceptions: true });
      const cancelled = tasks.filter((t) => t.cancelled()).length;
      expect(maxHolders).toBe(1);
      expect(completed + cancelled).toBe(60);
      expect(cancelled).toBeGreaterThan(5);
      expect(lock.locked()).toBe(false);
      expect(lock._waiters.size).toBe(0);
    });
  });

  it("is bound to the first event loop it waits on", async () => {
    const lock = new Lock();
    await go(function* () {
      yield* lock.acquire();
      const t = createTask(lock.acquire()); // waits: binds the lock to this loop
      yield* sleep(0);
      lock.release();
      yield* t;
      lock.release();
    });
    await go(function* () {
      yield* lock.acquire(); // the fast path needs no loop
      const error = yield* expectThrows(lock.acquire(), RuntimeError);
      expect(error.message).toMatch(/is bound to a different event loop/);
      lock.release();
    });
  });
});

describe("Event", () => {
  it("wakes every waiter on set, after tasks already ready (test_wait)", async () => {
    const result: number[] = [];
    await go(function* () {
      const ev = new Event();
      expect(ev.isSet()).toBe(false);
      const waiter = (n: number) => function* () {
        if (yield* ev.wait()) result.push(n);
      };
      createTask(waiter(1));
      createTask(waiter(2));
      yield* sleep(0);
      expect(result).toEqual([]);
      createTask(waiter(3));
      ev.set();
      yield* sleep(0);
      expect(result).toEqual([3, 1, 2]);
    });
  });

  it("returns at once from wait when set, without suspending", async () => {
    const log: string[] = [];
    await go(function* () {
      const ev = new Event();
      ev.set();
      getRunningLoop().callSoon(() => log.push("other callback ran"));
      log.push(`wait=${yield* ev.wait()}`);
      yield* sleep(0);
    });
    expect(log).toEqual(["wait=true", "other callback ran"]);
  });

  it("forgets a waiter cancelled while waiting (test_wait_cancel)", async () => {
    await go(function* () {
      const ev = new Event();
      const wait = createTask(ev.wait());
      yield* sleep(0);
      wait.cancel();
      yield* expectThrows(wait, CancelledError);
      expect(ev._waiters.size).toBe(0);
    });
  });

  it("still wakes a waiter once when cleared and set again before it runs (test_clear_with_waiters)", async () => {
    const result: number[] = [];
    await go(function* () {
      const ev = new Event();
      const t = createTask(function* () {
        if (yield* ev.wait()) result.push(1);
        return true;
      });
      yield* sleep(0);
      ev.set();
      ev.clear();
      expect(ev.isSet()).toBe(false);
      ev.set();
      ev.set();
      expect(ev._waiters.size).toBe(1);
      expect(String(ev)).toMatch(/^<Event#\d+ \[set, waiters:1\]>$/);
      yield* sleep(0);
      expect(result).toEqual([1]);
      expect(ev._waiters.size).toBe(0);
      expect(t.result()).toBe(true);
      ev.clear();
      expect(String(ev)).toMatch(/^<Event#\d+ \[unset\]>$/);
    });
  });
});

describe("Condition", () => {
  it("wakes waiters by notify, each after re-acquiring the lock (test_wait)", async () => {
    const result: number[] = [];
    await go(function* () {
      const cond = new Condition();
      const waiter = (n: number) => function* () {
        yield* cond.acquire();
        if (yield* cond.wait()) result.push(n);
        return true;
      };
      const tasks = [createTask(waiter(1)), createTask(waiter(2)), createTask(waiter(3))];
      yield* sleep(0);
      expect(result).toEqual([]);
      expect(cond.locked()).toBe(false);

      expect(yield* cond.acquire()).toBe(true);
      cond.notify();
      yield* sleep(0);
      expect(result).toEqual([]); // notified, but the lock is still ours
      expect(cond.locked()).toBe(true);

      cond.release();
      yield* sleep(0);
      expect(result).toEqual([1]);
      expect(cond.locked()).toBe(true); // waiter 1 holds it now and never releases

      cond.notify(2);
      yield* sleep(0);
      expect(result).toEqual([1]);

      cond.release();
      yield* sleep(0);
      expect(result).toEqual([1, 2]);

      cond.release();
      yield* sleep(0);
      expect(result).toEqual([1, 2, 3]);
      expect(cond.locked()).toBe(true);
      expect(tasks.map((t) => t.result())).toEqual([true, true, true]);
    });
  });

  it("re-acquires the lock when a wait is cancelled (test_wait_cancel)", async () => {
    await go(function* () {
      const cond = new Condition();
      yield* cond.acquire();
      const wait = createTask(cond.wait());
      wait.getLoop().callSoon(() => wait.cancel());
      yield* expectThrows(wait, CancelledError);
      expect(cond._waiters.size).toBe(0);
      expect(cond.locked()).toBe(true);
    });
  });

  it("keeps a notified wait from being cancelled once it holds the lock again (test_wait_cancel_contested)", async () => {
    await go(function* () {
      const cond = new Condition();
      yield* cond.acquire();
      const waitTask = createTask(cond.wait());
      yield* sleep(0);
      expect(cond.locked()).toBe(false);
      yield* cond.acquire();
      cond.notify();
      const loop = waitTask.getLoop();
      loop.callSoon(() => waitTask.cancel());
      loop.callSoon(() => cond.release());
      try {
        yield* waitFor(waitTask, 1000);
      } catch (error) {
        if (!(error instanceof CancelledError)) throw error;
      }
      expect(cond.locked()).toBe(true);
    });
  });

  it("ends cancelled when cancelled while re-acquiring after a notify (test_wait_cancel_after_notify)", async () => {
    await go(function* () {
      let waited = false;
      const cond = new Condition();
      const waiter = createTask(function* () {
        yield* cond.acquire();
        try {
          waited = true;
          yield* cond.wait();
        } finally {
          cond.release();
        }
      });
      yield* sleep(0);
      yield* cond.acquire();
      cond.notify();
      yield* sleep(0); // the waiter now waits for the lock
      waiter.cancel();
      yield* sleep(0);
      cond.release();
      yield* sleep(0);
      expect(waiter.cancelled()).toBe(true);
      expect(waited).toBe(true);
      expect(cond.locked()).toBe(false);
    });
  });

  it("throws RuntimeError from wait, waitFor and notify without the lock", async () => {
    await go(function* () {
      const cond = new Condition();
      const error = yield* expectThrows(cond.wait(), RuntimeError);
      expect(error.message).toMatch(/^cannot wait on un-acquired lock/);
      // A predicate that already holds needs no lock (test_wait_for_unacquired).
      expect(yield* cond.waitFor(() => [1, 2, 3])).toEqual([1, 2, 3]);
      yield* expectThrows(cond.waitFor(() => false), RuntimeError);
      expect(() => cond.notify()).toThrow(/^cannot notify on un-acquired lock/);
      expect(() => cond.notifyAll()).toThrow(RuntimeError);
    });
  });

  it("re-checks the predicate on every notification (test_wait_for)", async () => {
    const result: number[] = [];
    await go(function* () {
      const cond = new Condition();
      let ready = false;
      const t = createTask(function* () {
        yield* cond.acquire();
        if (yield* cond.waitFor(() => ready)) {
          result.push(1);
          cond.release();
        }
        return true;
      });
      yield* sleep(0);
      yield* cond.acquire();
      cond.notify();
      cond.release();
      yield* sleep(0);
      expect(result).toEqual([]);
      ready = true;
      yield* cond.acquire();
      cond.notify();
      cond.release();
      yield* sleep(0);
      expect(result).toEqual([1]);
      expect(t.result()).toBe(true);
    });
  });

  it("wakes at most n waiters per notify and all of them with notifyAll (test_notify, test_notify_all)", async () => {
    const result: number[] = [];
    await go(function* () {
      const cond = new Condition();
      const waiter = (n: number) => function* () {
        yield* cond.acquire();
        if (yield* cond.wait()) {
          result.push(n);
          cond.release();
        }
      };
      for (const n of [1, 2, 3]) createTask(waiter(n));
      yield* sleep(0);
      yield* cond.acquire();
      cond.notify(1);
      cond.release();
      yield* sleep(0);
      expect(result).toEqual([1]);
      yield* cond.acquire();
      cond.notify(1);
      cond.notify(2048);
      cond.release();
      yield* sleep(0);
      expect(result).toEqual([1, 2, 3]);

      for (const n of [4, 5]) createTask(waiter(n));
      yield* sleep(0);
      yield* cond.acquire();
      cond.notifyAll();
      cond.release();
      yield* sleep(0);
      expect(result).toEqual([1, 2, 3, 4, 5]);
    });
  });

  it("passes its notification on when a notified waiter is cancelled before it runs", async () => {
    const log: string[] = [];
    await go(function* () {
      const cond = new Condition();
      const waiter = (name: string) => function* () {
        yield* cond.acquire();
        try {
          yield* cond.wait();
          log.push(`${name} notified`);
        } catch (error) {
          log.push(`${name} ${(error as Error).name}`);
          throw error;
        } finally {
          cond.release();
        }
      };
      const t1 = createTask(waiter("t1"));
      const t2 = createTask(waiter("t2"));
      yield* sleep(0);
      yield* cond.acquire();
      cond.notify(1); // t1 is notified...
      t1.cancel(); // ...and cancelled before it runs
      cond.release();
      yield* waitFor(gather([t1, t2], { returnExceptions: true }), 1000); // a lost notification would hang t2
      log.push(`t1 cancelled=${t1.cancelled()} locked=${cond.locked()} waiters=${cond._waiters.size}`);
    });
    expect(log).toEqual(["t1 CancelledError", "t2 notified", "t1 cancelled=true locked=false waiters=0"]);
  });

  it("works the same over its own lock or a given one (test_explicit_lock)", async () => {
    await go(function* () {
      const shared = new Lock();
      for (const [lock, cond] of [[null, null], [shared, null], [shared, new Condition(shared)]] as const) {
        const l = lock ?? new Lock();
        const c = cond ?? new Condition(l);
        expect(c._lock).toBe(l);
        yield* c.acquire();
        expect([l.locked(), c.locked()]).toEqual([true, true]);
        c.release();
        yield* l.acquire();
        expect([l.locked(), c.locked()]).toEqual([true, true]);
        l.release();
        expect([l.locked(), c.locked()]).toEqual([false, false]);
      }
    });
  });

  it("holds the lock again after a wait ends by timeout (test_timeout_in_block)", async () => {
    await go(function* () {
      const cond = new Condition();
      yield* cond.acquire();
      yield* expectThrows(waitFor(cond.wait(), 500), TimeoutError);
      expect(cond.locked()).toBe(true);
      expect(String(cond)).toMatch(/^<Condition#\d+ \[locked\]>$/);
    });
  });
});

describe("Semaphore", () => {
  it("is locked when created with zero and rejects a negative value", () => {
    expect(new Semaphore(0).locked()).toBe(true);
    expect(() => new Semaphore(-1)).toThrow(RangeError);
  });

  it("shows its value, lock state and waiters (test_repr)", async () => {
    await go(function* () {
      const sem = new Semaphore();
      const show = () => String(sem).replace(/#\d+/, "#n");
      const log = [show()];
      yield* sem.acquire();
      log.push(show());
      const t = createTask(sem.acquire());
      yield* sleep(0);
      log.push(show(), sem.label().replace(/#\d+/, "#n"));
      sem.release();
      yield* t;
      sem.release();
      log.push(show());
      expect(log).toEqual([
        "<Semaphore#n [unlocked, value:1]>",
        "<Semaphore#n [locked]>",
        "<Semaphore#n [locked, waiters:1]>",
        "Semaphore#n (0/1 free)",
        "<Semaphore#n [unlocked, value:1]>",
      ]);
    });
  });

  it("gives promised slots to waiters before anyone else (test_acquire)", async () => {
    const result: number[] = [];
    await go(function* () {
      const sem = new Semaphore(3);
      expect(yield* sem.acquire()).toBe(true);
      expect(yield* sem.acquire()).toBe(true);
      expect(sem.locked()).toBe(false);
      const waiter = (n: number) => function* () {
        yield* sem.acquire();
        result.push(n);
        return true;
      };
      const t1 = createTask(waiter(1));
      const t2 = createTask(waiter(2));
      const t3 = createTask(waiter(3));
      yield* sleep(0);
      expect(result).toEqual([1]);
      expect(sem.locked()).toBe(true);
      expect(sem._waiters.size).toBe(2);
      expect(sem._value).toBe(0);

      const t4 = createTask(waiter(4));
      sem.release();
      sem.release();
      expect(sem._value).toBe(0); // both slots are promised to t2 and t3
      yield* sleep(0);
      expect(sem._value).toBe(0);
      expect(result).toEqual([1, 2, 3]);
      expect(sem.locked()).toBe(true);
      expect(sem._waiters.size).toBe(1);
      expect(t1.result()).toBe(true);
      expect([t2, t3, t4].filter((t) => t.done()).length).toBe(2);
      sem.release();
      yield* gather([t2, t3, t4]);
      expect(result).toEqual([1, 2, 3, 4]);
    });
  });

  it("forgets a waiter cancelled while waiting (test_acquire_cancel)", async () => {
    await go(function* () {
      const sem = new Semaphore();
      yield* sem.acquire();
      const acquire = createTask(sem.acquire());
      acquire.getLoop().callSoon(() => acquire.cancel());
      yield* expectThrows(acquire, CancelledError);
      expect(sem._waiters.size).toBe(0);
      expect(sem._value).toBe(0);
    });
  });

  it("gives a released slot to the first waiter that was not cancelled (test_acquire_cancel_before_awoken)", async () => {
    await go(function* () {
      const sem = new Semaphore(0);
      const [t1, t2, t3, t4] = [1, 2, 3, 4].map(() => createTask(sem.acquire()));
      yield* sleep(0);
      t1!.cancel();
      t2!.cancel();
      sem.release();
      yield* turns(2);
      expect([t3!.done(), t4!.done()]).toEqual([true, false]);
      expect(sem._value).toBe(0);
      t4!.cancel();
      yield* sleep(0);
      expect(sem._waiters.size).toBe(0);
    });
  });

  it("does not hang when the waiter woken by a release was cancelled (test_acquire_hang)", async () => {
    await go(function* () {
      const sem = new Semaphore(0);
      const t1 = createTask(sem.acquire());
      const t2 = createTask(sem.acquire());
      yield* sleep(0);
      t1.cancel();
      sem.release();
      yield* turns(2);
      expect(sem.locked()).toBe(true);
      expect(t2.done()).toBe(true);
    });
  });

  it("passes a promised slot on when its waiter is cancelled before it runs", async () => {
    const log: string[] = [];
    await go(function* () {
      const sem = new Semaphore(0);
      const holder = (name: string) => function* () {
        yield* sem.acquire();
        log.push(`${name} acquired, value=${sem._value}`);
      };
      const t1 = createTask(holder("t1"));
      const t2 = createTask(holder("t2"));
      const t3 = createTask(holder("t3"));
      yield* sleep(0);
      sem.release(); // promised to t1
      log.push(`released, value=${sem._value}`);
      t1.cancel(); // t1 leaves with the slot: it must go to t2
      yield* turns(3);
      log.push(`t1 cancelled=${t1.cancelled()} t2 done=${t2.done()} t3 done=${t3.done()} value=${sem._value}`);
      sem.release();
      yield* waitFor(t3, 1000);
      sem.release();
      sem.release();
      log.push(`value=${sem._value} waiters=${sem._waiters.size}`);
    });
    expect(log).toEqual([
      "released, value=0",
      "t2 acquired, value=0",
      "t1 cancelled=true t2 done=true t3 done=false value=0",
      "t3 acquired, value=0",
      "value=2 waiters=0",
    ]);
  });

  it("does not hang when a waiter is cancelled after its holder left (test_acquire_no_hang)", async () => {
    await go(function* () {
      const sem = new Semaphore(1);
      let t2: Task<void> | null = null;
      const t1 = createTask(function* () {
        yield* sem.acquire();
        try {
          yield* sleep(0);
        } finally {
          sem.release();
        }
        t2!.cancel();
      });
      t2 = createTask(function* () {
        yield* sem.acquire();
        try {
          throw new Error("t2 must not get the semaphore");
        } finally {
          sem.release();
        }
      });
      const [r1, r2] = yield* gather([t1, t2], { returnExceptions: true });
      expect(r1).toBeUndefined();
      expect(r2).toBeInstanceOf(CancelledError);
      yield* waitFor(sem.acquire(), 1000);
    });
  });

  it("acquires in FIFO order across releases (test_acquire_fifo_order)", async () => {
    const result: string[] = [];
    await go(function* () {
      const sem = new Semaphore(1);
      const coro = (tag: string) => function* () {
        yield* sem.acquire();
        result.push(`${tag}_1`);
        yield* sleep(10);
        sem.release();
        yield* sem.acquire();
        result.push(`${tag}_2`);
        yield* sleep(10);
        sem.release();
      };
      yield* gather([createTask(coro("c1")), createTask(coro("c2")), createTask(coro("c3"))]);
    });
    expect(result).toEqual(["c1_1", "c2_1", "c3_1", "c1_2", "c2_2", "c3_2"]);
  });

  it("makes a task that releases and re-acquires queue behind earlier waiters (test_acquire_fifo_order_2)", async () => {
    const result: number[] = [];
    await go(function* () {
      const sem = new Semaphore(1);
      const t1 = createTask(function* () { yield* sem.acquire(); result.push(1); });
      const t2 = createTask(function* () {
        yield* sem.acquire();
        result.push(2);
        sem.release();
        yield* sem.acquire();
        result.push(4);
      });
      const t3 = createTask(function* () { yield* sem.acquire(); result.push(3); });
      yield* sleep(0);
      sem.release();
      sem.release();
      yield* waitFor(gather([t1, t2, t3]), 1000);
    });
    expect(result).toEqual([1, 2, 3, 4]);
  });

  it("skips a waiter cancelled before any release (test_acquire_fifo_order_3)", async () => {
    const result: number[] = [];
    await go(function* () {
      const sem = new Semaphore(0);
      const tasks = [1, 2, 3].map((n) => createTask(function* () { yield* sem.acquire(); result.push(n); }));
      yield* sleep(0);
      tasks[0]!.cancel();
      yield* sleep(0);
      sem.release();
      sem.release();
      yield* gather(tasks, { returnExceptions: true });
    });
    expect(result).toEqual([2, 3]);
  });

  it("never exceeds its value nor loses a slot while waiters are cancelled at random", async () => {
    const random = lcg(42);
    await go(function* () {
      const sem = new Semaphore(3);
      let inside = 0;
      let maxInside = 0;
      let completed = 0;
      const tasks: Task<void>[] = [];
      for (let k = 0; k < 80; k++) {
        tasks.push(createTask(function* () {
          yield* sem.acquire();
          inside++;
          maxInside = Math.max(maxInside, inside);
          try {
            yield* sleep(random() < 0.5 ? 0 : 1);
          } finally {
            inside--;
            sem.release();
          }
          completed++;
        }));
      }
      for (let round = 0; round < 400 && tasks.some((t) => !t.done()); round++) {
        for (const t of tasks) if (!t.done() && random() < 0.05) t.cancel();
        yield* sleep(0);
      }
      yield* gather(tasks, { returnExceptions: true });
      const cancelled = tasks.filter((t) => t.cancelled()).length;
      expect(maxInside).toBe(3);
      expect(completed + cancelled).toBe(80);
      expect(cancelled).toBeGreaterThan(5);
      expect(sem._value).toBe(3);
      expect(sem._waiters.size).toBe(0);
    });
  });
});

describe("BoundedSemaphore", () => {
  it("throws RangeError when released above its initial value (test_release_not_acquired)", async () => {
    const sem = new BoundedSemaphore();
    expect(() => sem.release()).toThrow(RangeError);
    expect(() => sem.release()).toThrow(/BoundedSemaphore released too many times: <BoundedSemaphore#\d+ \[unlocked, value:1\]>/);
    await go(function* () {
      yield* sem.acquire();
      expect(sem.locked()).toBe(true);
      sem.release();
      expect(sem.locked()).toBe(false);
      expect(sem.label()).toMatch(/^BoundedSemaphore#\d+ \(1\/1 free\)$/);
    });
  });
});

describe("Barrier", () => {
  const N = 5;

  function* gatherTasks<T>(n: number, body: () => Generator<unknown, T, unknown>): Generator<unknown, T[], unknown> {
    const tasks = Array.from({ length: n }, () => createTask(body));
    return (yield* gather(tasks)) as T[];
  }

  it("rejects fewer than one party", () => {
    expect(() => new Barrier(0)).toThrow(RangeError);
    expect(() => new Barrier(-4)).toThrow(/parties must be >= 1/);
  });

  it("shows filling, draining, resetting and broken (test_repr)", async () => {
    await go(function* () {
      const barrier = new Barrier(N);
      const states: string[] = [String(barrier).replace(/#\d+/, "#n")];
      const waiters: Task<number>[] = [];
      const wait = () => waiters.push(createTask(barrier.wait()));
      for (let k = 0; k < 2; k++) wait();
      yield* sleep(0);
      states.push(String(barrier).replace(/#\d+/, "#n"));
      for (let k = barrier.parties - barrier.nWaiting; k > 0; k--) wait();
      yield* sleep(0);
      states.push(String(barrier).replace(/#\d+/, "#n"));
      for (let k = 0; k < 2; k++) wait();
      yield* sleep(0);
      yield* barrier.reset();
      states.push(String(barrier).replace(/#\d+/, "#n"));
      for (let k = 0; k < 2; k++) wait();
      yield* sleep(0);
      yield* barrier.abort();
      states.push(String(barrier).replace(/#\d+/, "#n"), `broken=${barrier.broken}`);
      yield* gather(waiters, { returnExceptions: true });
      expect(states).toEqual([
        "<Barrier#n [filling, waiters:0/5]>",
        "<Barrier#n [filling, waiters:2/5]>",
        "<Barrier#n [draining, waiters:0/5]>",
        "<Barrier#n [resetting, waiters:0/5]>",
        "<Barrier#n [broken]>",
        "broken=true",
      ]);
    });
  });

  it("returns a distinct index to each party (test_context_manager)", async () => {
    await go(function* () {
      const barrier = new Barrier(3);
      const results = yield* gatherTasks(3, function* () { return yield* barrier.wait(); });
      expect([...results].sort()).toEqual([0, 1, 2]);
      expect(barrier.nWaiting).toBe(0);
      expect(barrier.broken).toBe(false);
    });
  });

  it("lets a single party through at once, twice (test_filling_one_task, test_filling_one_task_twice)", async () => {
    await go(function* () {
      const barrier = new Barrier(1);
      expect(yield* barrier.wait()).toBe(0);
      const t1 = createTask(barrier.wait());
      yield* sleep(0);
      expect(barrier.nWaiting).toBe(0);
      const t2 = createTask(barrier.wait());
      yield* sleep(0);
      expect([t1.result(), t2.result()]).toEqual([0, 0]);
      expect(barrier.broken).toBe(false);
    });
  });

  it("counts parties as they arrive and releases them together (test_filling_task_by_task)", async () => {
    const log: string[] = [];
    await go(function* () {
      const barrier = new Barrier(3);
      const party = (name: string) => function* () {
        const index = yield* barrier.wait();
        log.push(`${name} passed with index ${index}`);
      };
      const t1 = createTask(party("t1"));
      yield* sleep(0);
      log.push(`nWaiting=${barrier.nWaiting}`);
      const t2 = createTask(party("t2"));
      yield* sleep(0);
      log.push(`nWaiting=${barrier.nWaiting}`);
      const t3 = createTask(party("t3"));
      yield* gather([t1, t2, t3]);
      log.push(`nWaiting=${barrier.nWaiting} broken=${barrier.broken}`);
    });
    expect(log).toEqual([
      "nWaiting=1",
      "nWaiting=2",
      "t3 passed with index 2",
      "t1 passed with index 0",
      "t2 passed with index 1",
      "nWaiting=0 broken=false",
    ]);
  });

  it("can be passed twice in a row by the same parties (test_filling_tasks_wait_twice, check_return_value)", async () => {
    await go(function* () {
      const barrier = new Barrier(N);
      const results: boolean[] = [];
      const indices = yield* gatherTasks(N, function* () {
        yield* barrier.wait();
        results.push(true);
        const i = yield* barrier.wait();
        results.push(false);
        return i;
      });
      expect(results.filter((r) => r).length).toBe(N);
      expect(results.filter((r) => !r).length).toBe(N);
      expect([...indices].sort()).toEqual([0, 1, 2, 3, 4]);
      expect(barrier.nWaiting).toBe(0);
    });
  });

  it("drains until the last party leaves (test_draining_state)", async () => {
    await go(function* () {
      const barrier = new Barrier(N);
      const results: boolean[] = [];
      yield* gatherTasks(N, function* () {
        yield* barrier.wait();
        results.push(String(barrier).includes("draining"));
      });
      expect(results).toEqual([true, true, true, true, false]);
    });
  });

  it("blocks new arrivals while it drains (test_blocking_tasks_while_draining)", async () => {
    await go(function* () {
      const barrier = new Barrier(N);
      const nowaiting = new Barrier(N - 2);
      let rewait = 2;
      yield* gatherTasks(N, function* () {
        yield* barrier.wait();
        if (rewait > 0) {
          rewait--;
          yield* barrier.wait();
        } else {
          yield* nowaiting.wait();
          yield* barrier.wait();
        }
      });
      expect(barrier.nWaiting).toBe(0);
    });
  });

  it("forgets a party cancelled while filling (test_filling_tasks_cancel_one)", async () => {
    await go(function* () {
      const barrier = new Barrier(3);
      const results: boolean[] = [];
      const party = function* () {
        yield* barrier.wait();
        results.push(true);
      };
      const t1 = createTask(party);
      yield* sleep(0);
      const t2 = createTask(party);
      yield* sleep(0);
      expect(barrier.nWaiting).toBe(2);
      t1.cancel();
      yield* sleep(0);
      expect(barrier.nWaiting).toBe(1);
      yield* expectThrows(t1, CancelledError);
      const t3 = createTask(party);
      yield* sleep(0);
      expect(barrier.nWaiting).toBe(2);
      const t4 = createTask(party);
      yield* gather([t2, t3, t4]);
      expect(results).toEqual([true, true, true]);
      expect(barrier.nWaiting).toBe(0);
    });
  });

  // Found by running random programs on CPython 3.13 and the runtime side by side: the
  // cancelled party's Condition.wait passes its wake-up on (`self._notify(1)`), the woken
  // party finds the barrier still filling and re-queues at the back of the line.
  it.each([
    { turnsAfterCancel: 2, released: ["d", "b", "a", "main"] },
    { turnsAfterCancel: 1, released: ["d", "b", "main", "a"] },
  ])("passes a cancelled party's wake-up on, as CPython 3.13's Condition does ($turnsAfterCancel turns after the cancel)", async ({ turnsAfterCancel, released: expected }) => {
    const released: string[] = [];
    await go(function* () {
      const barrier = new Barrier(4);
      const party = (name: string) => function* () {
        yield* barrier.wait();
        released.push(name);
      };
      const a = createTask(party("a"));
      const b = createTask(party("b"));
      const c = createTask(party("c"));
      yield* sleep(0);
      c.cancel();
      yield* turns(turnsAfterCancel);
      const d = createTask(party("d"));
      yield* barrier.wait();
      released.push("main");
      yield* gather([a, b, d]);
      yield* expectThrows(c, CancelledError);
      expect(barrier.nWaiting).toBe(0);
    });
    expect(released).toEqual(expected);
  });

  it("breaks waiting parties on reset and is usable again (test_reset_barrier, ..._while_tasks_waiting)", async () => {
    await go(function* () {
      const single = new Barrier(1);
      createTask(single.reset());
      yield* sleep(0);
      expect([single.nWaiting, single.broken]).toEqual([0, false]);

      const barrier = new Barrier(N);
      const results: string[] = [];
      const tasks = Array.from({ length: N - 1 }, () => createTask(function* () {
        try {
          yield* barrier.wait();
        } catch (error) {
          results.push((error as Error).name);
        }
      }));
      yield* sleep(0);
      createTask(barrier.reset());
      yield* gather(tasks);
      expect(results).toEqual(Array(N - 1).fill("BrokenBarrierError"));
      expect(barrier.nWaiting).toBe(0);
      expect(String(barrier)).not.toContain("resetting");
      expect(barrier.broken).toBe(false);
    });
  });

  it("lets parties that were broken by a reset wait again (test_reset_barrier_while_tasks_waiting_and_waiting_again)", async () => {
    await go(function* () {
      const barrier = new Barrier(N);
      const results1: boolean[] = [];
      const results2: boolean[] = [];
      const tasks = Array.from({ length: N - 1 }, () => createTask(function* () {
        try {
          yield* barrier.wait();
        } catch (error) {
          if (error instanceof BrokenBarrierError) results1.push(true);
        } finally {
          yield* barrier.wait();
          results2.push(true);
        }
      }));
      createTask(barrier.reset());
      yield* sleep(0);
      createTask(function* () {
        yield* barrier.wait();
        results2.push(true);
      });
      yield* gather(tasks);
      expect(results1.length).toBe(N - 1);
      expect(results2.length).toBe(N);
      expect(barrier.broken).toBe(false);
      expect(barrier.nWaiting).toBe(0);
    });
  });

  it("resets cleanly while the previous round drains (test_reset_barrier_while_tasks_draining)", async () => {
    await go(function* () {
      const barrier = new Barrier(N);
      const results1: boolean[] = [];
      const results2: boolean[] = [];
      const results3: boolean[] = [];
      let count = 0;
      yield* gatherTasks(N, function* () {
        yield* barrier.wait();
        count++;
        if (count === N) {
          yield* barrier.reset();
          yield* barrier.wait();
        } else {
          try {
            yield* barrier.wait();
            results1.push(true);
          } catch {
            results2.push(true);
          }
        }
        yield* barrier.wait();
        results3.push(true);
      });
      expect(barrier.broken).toBe(false);
      expect(results1.length).toBe(N - 1);
      expect(results2.length).toBe(0);
      expect(results3.length).toBe(N);
      expect(barrier.nWaiting).toBe(0);
    });
  });

  it("breaks the parties still draining when reset mid-drain (test_reset_barrier_when_tasks_half_draining)", async () => {
    await go(function* () {
      const barrier = new Barrier(N);
      const results1: boolean[] = [];
      const rest = Math.floor(N / 2);
      yield* gatherTasks(N, function* () {
        try {
          yield* barrier.wait();
        } catch (error) {
          if (!(error instanceof BrokenBarrierError)) throw error;
          results1.push(true); // still inside when the reset came
          return;
        }
        if (barrier._count === rest) yield* barrier.reset();
      });
      expect(results1).toEqual(Array(rest).fill(true));
      expect(barrier.nWaiting).toBe(0);
      expect(String(barrier)).not.toContain("resetting");
      expect(barrier.broken).toBe(false);
    });
  });

  it("lets broken and passed parties meet again after a reset (test_reset_barrier_when_tasks_half_draining_half_blocking)", async () => {
    await go(function* () {
      const barrier = new Barrier(N);
      const results1: boolean[] = [];
      const results2: boolean[] = [];
      const blocking = Math.floor(N / 2);
      let count = 0;
      yield* gatherTasks(N, function* () {
        try {
          yield* barrier.wait();
        } catch (error) {
          if (!(error instanceof BrokenBarrierError)) throw error;
          results1.push(true);
          yield* barrier.wait();
          return;
        }
        count++;
        if (count > blocking) {
          yield* barrier.reset();
          yield* barrier.wait();
        } else {
          try {
            yield* barrier.wait();
          } catch (error) {
            if (!(error instanceof BrokenBarrierError)) throw error;
            results2.push(true);
          }
        }
      });
      expect(results1).toEqual(Array(blocking).fill(true));
      expect(results2).toEqual([]);
      expect(barrier.nWaiting).toBe(0);
      expect(String(barrier)).not.toContain("resetting");
      expect(barrier.broken).toBe(false);
    });
  });

  it("breaks the other parties when one aborts on an error (test_abort_barrier_when_exception)", async () => {
    await go(function* () {
      const barrier = new Barrier(N);
      const results1: boolean[] = [];
      const results2: boolean[] = [];
      yield* gatherTasks(N, function* () {
        try {
          const i = yield* barrier.wait();
          if (i === Math.floor(N / 2)) throw new Error("boom");
          yield* barrier.wait();
          results1.push(true);
        } catch (error) {
          if (error instanceof BrokenBarrierError) results2.push(true);
          else yield* barrier.abort();
        }
      });
      expect(barrier.broken).toBe(true);
      expect(results1).toEqual([]);
      expect(results2).toEqual(Array(N - 1).fill(true));
      expect(barrier.nWaiting).toBe(0);
    });
  });

  it("breaks every waiting and later party on abort (test_abort_barrier, ..._when_tasks_half_draining_half_blocking)", async () => {
    await go(function* () {
      const single = new Barrier(1);
      createTask(single.abort());
      yield* sleep(0);
      expect([single.nWaiting, single.broken]).toEqual([0, true]);

      const barrier = new Barrier(N);
      const results1: boolean[] = [];
      const results2: boolean[] = [];
      const blocking = Math.floor(N / 2);
      let count = 0;
      yield* gatherTasks(N, function* () {
        try {
          yield* barrier.wait();
        } catch (error) {
          if (!(error instanceof BrokenBarrierError)) throw error;
          results1.push(true);
          return;
        }
        count++;
        if (count > blocking) {
          yield* barrier.abort();
        } else {
          try {
            yield* barrier.wait();
          } catch (error) {
            if (!(error instanceof BrokenBarrierError)) throw error;
            results2.push(true);
          }
        }
      });
      expect(barrier.broken).toBe(true);
      expect(results1).toEqual(Array(blocking).fill(true));
      expect(results2).toEqual(Array(N - blocking - 1).fill(true));
      expect(barrier.nWaiting).toBe(0);
      expect(String(barrier)).toMatch(/^<Barrier#\d+ \[broken\]>$/);
    });
  });

  it("can be aborted on an error and reset afterwards (test_abort_barrier_when_exception_then_resetting)", async () => {
    await go(function* () {
      const barrier1 = new Barrier(N);
      const barrier2 = new Barrier(N);
      const results1: boolean[] = [];
      const results2: boolean[] = [];
      const results3: boolean[] = [];
      yield* gatherTasks(N, function* () {
        try {
          const i = yield* barrier1.wait();
          if (i === Math.floor(N / 2)) throw new Error("boom");
          yield* barrier1.wait();
          results1.push(true);
        } catch (error) {
          if (error instanceof BrokenBarrierError) results2.push(true);
          else yield* barrier1.abort();
        }
        const i = yield* barrier2.wait();
        if (i === Math.floor(N / 2)) yield* barrier1.reset();
        yield* barrier2.wait();
        yield* barrier1.wait();
        results3.push(true);
      });
      expect(barrier1.broken).toBe(false);
      expect(results1.length).toBe(0);
      expect(results2.length).toBe(N - 1);
      expect(results3.length).toBe(N);
      expect(barrier1.nWaiting).toBe(0);
    });
  });
});

describe("instrumentation of locks", () => {
  function record(): { instrument: Instrument; events: string[] } {
    const events: string[] = [];
    const instrument: Instrument = {
      afterTaskStep(task, waitingOn) {
        if (waitingOn !== null && waitingOn.kind !== "sleep" && waitingOn.kind !== "task" && waitingOn.kind !== "gather") {
          events.push(`${task.getName()} waits on ${waitingOn.kind} "${waitingOn.label}" id=${waitingOn.id}`);
        }
      },
      resourceOp(resource, op, task, value) {
        events.push(`${resource.label()} ${op} by ${task?.getName() ?? "nobody"}${value === undefined ? "" : ` value=${value}`}`);
      },
    };
    return { instrument, events };
  }

  it("reports what each task waits on and every lock and semaphore operation, in order", async () => {
    const { instrument, events } = record();
    addInstrument(instrument);
    let ids: number[] = [];
    try {
      await go(function* () {
        const lock = new Lock();
        const sem = new Semaphore(1);
        ids = [lock.id, sem.id];
        yield* lock.acquire();
        yield* sem.acquire();
        const a = createTask(function* () {
          yield* lock.acquire();
          lock.release();
        }, { name: "a" });
        const b = createTask(function* () {
          yield* sem.acquire();
          sem.release();
        }, { name: "b" });
        yield* sleep(0);
        lock.release();
        sem.release();
        yield* gather([a, b]);
      });
    } finally {
      removeInstrument(instrument);
    }
    const [l, s] = ids;
    expect(events).toEqual([
      `Lock#${l} create by main value=0`,
      `Semaphore#${s} (1/1 free) create by main value=1`,
      `Lock#${l} acquire by main value=0`,
      `Semaphore#${s} (0/1 free) acquire by main value=0`,
      `a waits on lock "Lock#${l}" id=${l}`,
      `b waits on semaphore "Semaphore#${s} (0/1 free)" id=${s}`,
      `Lock#${l} release by main value=1`,
      `Semaphore#${s} (0/1 free) release by main value=0`,
      `Lock#${l} acquire by a value=0`,
      `Lock#${l} release by a value=0`,
      `Semaphore#${s} (0/1 free) acquire by b value=0`,
      `Semaphore#${s} (1/1 free) release by b value=1`,
    ]);
  });

  it("reports events, conditions and barriers with their own kinds", async () => {
    const { instrument, events } = record();
    addInstrument(instrument);
    let ids: number[] = [];
    try {
      await go(function* () {
        const ev = new Event();
        const cond = new Condition();
        const barrier = new Barrier(2);
        ids = [ev.id, cond._lock.id, cond.id, barrier.id];
        const w = createTask(function* () {
          yield* ev.wait();
          yield* cond.acquire();
          yield* cond.wait();
          cond.release();
          yield* barrier.wait();
        }, { name: "w" });
        yield* sleep(0);
        ev.set();
        ev.clear();
        yield* sleep(0);
        yield* cond.acquire();
        cond.notify();
        cond.release();
        yield* sleep(0);
        yield* barrier.wait();
        yield* w;
      });
    } finally {
      removeInstrument(instrument);
    }
    const [e, l, c, b] = ids;
    expect(events).toEqual([
      `Event#${e} create by main value=0`,
      `Lock#${l} create by main value=0`,
      `Condition#${c} create by main value=0`,
      `Barrier#${b} (0/2) create by main value=0`,
      `w waits on event "Event#${e}" id=${e}`,
      `Event#${e} set by main value=1`,
      `Event#${e} clear by main`,
      `Lock#${l} acquire by w value=0`,
      `Lock#${l} release by w value=0`,
      `w waits on condition "Condition#${c}" id=${c}`,
      `Lock#${l} acquire by main value=0`,
      `Condition#${c} notify by main value=1`,
      `Lock#${l} release by main value=0`,
      `Lock#${l} acquire by w value=0`,
      `Lock#${l} release by w value=0`,
      `Barrier#${b} (1/2) acquire by w value=1`,
      `w waits on barrier "Barrier#${b} (1/2)" id=${b}`,
      `Barrier#${b} (2/2) acquire by main value=2`,
      `Barrier#${b} (1/2) release by main value=1`,
      `Barrier#${b} (0/2) release by w value=0`,
    ]);
  });
});
