/**
 * The demo's "remote" service, as coroutines. Every request goes to the demo server's own
 * fake endpoints (demo/server.ts) on the same origin: nothing leaves the machine.
 */
import { awaitPromise, type Operation } from "../../src/runtime/index.ts";

/** What `/api/item/:id` returns. */
export interface Item {
  readonly id: number;
  readonly name: string;
  readonly delayMs: number;
}

/** What `/api/page/:n` returns: one page of the fake site the crawler walks. */
export interface Page {
  readonly n: number;
  readonly title: string;
  readonly links: readonly number[];
  readonly delayMs: number;
  /** How many page requests the server was answering when this one arrived (itself included). */
  readonly serverInFlight: number;
}

/** The server answered with an error status (the `fail=1` endpoints answer 500). */
export class HttpError extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = "HttpError";
    this.status = status;
  }
}

/**
 * GETs `path` and parses its JSON, as one awaited host promise. Cancelling the awaiting
 * task aborts the request (the signal reaches `fetch`), as cancelling an aiohttp request does.
 */
export function getJson<T>(path: string): Operation<T> {
  return awaitPromise(async (signal) => {
    const response = await fetch(path, { signal, cache: "no-store" });
    const body = (await response.json()) as T & { error?: string };
    if (!response.ok) throw new HttpError(response.status, body.error ?? `GET ${path}: HTTP ${response.status}`);
    return body;
  }, `GET ${path}`);
}

export interface ItemOptions {
  /** How long the server waits before answering, in ms. */
  delay: number;
  /** Make the server answer 500. */
  fail?: boolean;
}

/** The URL of one fake item, as the timeline labels it. */
export function itemPath(id: number, { delay, fail = false }: ItemOptions): string {
  return `/api/item/${id}?delay=${delay}${fail ? "&fail=1" : ""}`;
}

/** A coroutine that fetches one item: `const item = yield* fetchItem(1, { delay: 200 })`. */
export function* fetchItem(id: number, options: ItemOptions): Generator<unknown, Item, unknown> {
  return yield* getJson<Item>(itemPath(id, options));
}

/** A coroutine that fetches one page of the fake site the crawler walks. */
export function* fetchPage(n: number): Generator<unknown, Page, unknown> {
  return yield* getJson<Page>(`/api/page/${n}`);
}

/** A JSON-friendly picture of an error, for status lines and `window.__aioscopeDemo`. */
export interface ErrorSummary {
  readonly name: string;
  readonly message: string;
  /** The errors inside an ExceptionGroup / AggregateError. */
  readonly exceptions?: readonly ErrorSummary[];
}

export function describeError(error: unknown): ErrorSummary {
  if (error instanceof AggregateError) {
    return { name: error.name, message: error.message, exceptions: error.errors.map(describeError) };
  }
  if (error instanceof Error) return { name: error.name, message: error.message };
  return { name: typeof error, message: String(error) };
}

/** "HttpError: item 2 failed", or just the name when there is no message. */
export function errorText(error: ErrorSummary): string {
  return error.message === "" ? error.name : `${error.name}: ${error.message}`;
}

/** Milliseconds since `start` (a `performance.now()` reading), rounded for display. */
export function msSince(start: number): number {
  return Math.round(performance.now() - start);
}
