"""The CPython asyncio side of the runtime benchmarks: the same programs as
bench/cases/runtime-core.ts, run by the bench when python3 is installed.

It first prints {"python": version}, then reads one case name a line from stdin, runs it
once and prints the ns per operation it took: the bench alternates it with its own
contenders, so both sides of a ratio see the same machine load."""
import asyncio
import json
import sys
import time

SPAWN_TASKS = 100_000
YIELDS = 200_000
CANCELLED_TASKS = 20_000
TIMED_OUT_CALLS = 20_000


async def sleep_once():
    await asyncio.sleep(0)


async def spawn_gather():
    await asyncio.gather(*[sleep_once() for _ in range(SPAWN_TASKS)])


async def yield_loop():
    for _ in range(YIELDS):
        await asyncio.sleep(0)


async def cancel_gather():
    tasks = [asyncio.create_task(asyncio.sleep(60)) for _ in range(CANCELLED_TASKS)]
    await asyncio.sleep(0)
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


async def times_out():
    try:
        await asyncio.wait_for(asyncio.sleep(60), 0.001)
    except asyncio.TimeoutError:
        pass


async def wait_for_timeouts():
    await asyncio.gather(*[times_out() for _ in range(TIMED_OUT_CALLS)])


CASES = {
    "spawn+gather": (spawn_gather, SPAWN_TASKS),
    "yield": (yield_loop, YIELDS),
    "cancel": (cancel_gather, CANCELLED_TASKS),
    "waitFor": (wait_for_timeouts, TIMED_OUT_CALLS),
}


def main():
    """Reads one case name a line from stdin, runs it once and prints the ns per operation it took."""
    print(json.dumps({"python": sys.version.split()[0]}), flush=True)
    for line in sys.stdin:
        body, ops = CASES[line.strip()]
        start = time.perf_counter_ns()
        asyncio.run(body())
        print((time.perf_counter_ns() - start) / ops, flush=True)


if __name__ == "__main__":
    main()
