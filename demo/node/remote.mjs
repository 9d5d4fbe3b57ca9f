// The demo's fake "remote" service for Node: each request is one awaited host promise,
// labelled as the page demo's requests are, answered after `delay` ms by a timer. Nothing
// leaves the process. Cancelling the awaiting task aborts the request, as in the page.
import { awaitPromise } from "aioscope";

export class HttpError extends Error {
  constructor(status, message) {
    super(message);
    this.name = "HttpError";
    this.status = status;
  }
}

/** Resolves `value()` after `ms`, or rejects with the abort reason when `signal` aborts. */
function answerAfter(ms, signal, value) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      try {
        resolve(value());
      } catch (error) {
        reject(error);
      }
    }, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      reject(signal.reason);
    }, { once: true });
  });
}

/** GET /api/item/:id?delay=ms(&fail=1): `const item = yield* fetchItem(1, { delay: 200 })`. */
export function* fetchItem(id, { delay, fail = false }) {
  const path = `/api/item/${id}?delay=${delay}${fail ? "&fail=1" : ""}`;
  return yield* awaitPromise((signal) => answerAfter(delay, signal, () => {
    if (fail) throw new HttpError(500, `GET ${path}: HTTP 500`);
    return { id, name: `item ${id}`, delayMs: delay };
  }), `GET ${path}`);
}

/** GET /api/page/:n: one page of the fake site, 60–150 ms. */
export function* fetchPage(n) {
  const delay = 60 + ((n * 37) % 91);
  return yield* awaitPromise((signal) => answerAfter(delay, signal, () => ({ n, title: `page ${n}`, delayMs: delay })), `GET /api/page/${n}`);
}

/** Milliseconds since `start` (a performance.now() reading), whole. */
export const msSince = (start) => Math.round(performance.now() - start);
