// Two transfers take the same two Locks in opposite order: each holds one and waits for the
// other, forever. Nothing else keeps Node alive, so the program ends with both tasks pending;
// the trace shows who holds what, and `aioscope analyze` reports the deadlock.
import { Lock, createTask, gather, run } from "aioscope";
import { fetchItem } from "./remote.mjs";

const checking = new Lock();
const savings = new Lock();

function* transfer(first, second) {
  yield* first.acquire();
  try {
    yield* fetchItem(31, { delay: 80 });
    yield* second.acquire();
    second.release();
  } finally {
    first.release();
  }
}

run(function* main() {
  yield* gather([
    createTask(transfer(checking, savings), { name: "transfer A→B" }),
    createTask(transfer(savings, checking), { name: "transfer B→A" }),
  ]);
}, { name: "main" }).then(() => console.log("the deadlock resolved itself, which it cannot do"));
process.on("exit", () => console.log("deadlocked: both transfers still wait for a lock"));
