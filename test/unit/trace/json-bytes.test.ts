/**
 * JSON parsed from bytes, a batch of array elements at a time, gives what JSON.parse gives,
 * wherever the batches are cut; a document that is not JSON is refused at the right byte.
 */
import { describe, expect, test } from "vitest";
import { JsonBytesError, LazyJsonArray, NO_MORE_ELEMENTS, parseJsonObjectBytes, readJsonObjectBytes, type RecordLayout } from "../../../src/trace/json-bytes.ts";
import { exportAioscope, importTraceAsync } from "../../../src/trace/index.ts";
import { RECORD_LAYOUTS } from "../../../src/trace/validate.ts";
import { PROGRAMS } from "./programs.ts";

const bytesOf = (text: string): Uint8Array => new TextEncoder().encode(text);

function parseBytes(text: string | Uint8Array, batchBytes?: number): Record<string, unknown> {
  const reading = parseJsonObjectBytes(typeof text === "string" ? bytesOf(text) : text, batchBytes);
  for (;;) {
    const step = reading.next();
    if (step.done === true) return step.value;
  }
}

function errorOf(text: string, batchBytes?: number): JsonBytesError {
  try {
    parseBytes(text, batchBytes);
  } catch (error) {
    if (error instanceof JsonBytesError) return error;
    throw error;
  }
  throw new Error(`parsed: ${text}`);
}

const DOCUMENTS = [
  "{}",
  " \n{ } \n",
  '{"a":[]}',
  '{"a":[ ],"b":{"c":[1,2,{"d":[3]}]},"e":null,"f":true,"g":-1.5e3,"h":"x"}',
  '{"list":[{"s":"},{"},{"s":"a\\"],[b"},{"s":"\\\\"},{"s":"é 😀 \\u00e9"},[1,[2,[3]]],"],",7]}',
  '{\n  "tasks": [\n    {\n      "id": 1\n    },\n    {\n      "id": 2\n    }\n  ],\n  "end": 3\n}',
  '{"__proto__":{"polluted":1},"a":1}',
  '{"a":1,"a":2}',
  '{"a":[{"r":[{"x":1},{"y":2},{"z":"},{"}]},{"r":[]},{"r":[{"x":[{},{}]}]}],"b":[{},{},{}]}',
];

describe("parsing JSON from bytes", () => {
  test.each(DOCUMENTS)("%s is what JSON.parse makes of it, cut into batches anywhere", (text) => {
    const expected = JSON.parse(text) as unknown;
    for (const batchBytes of [1, 2, 3, 5, 7, 11, 1 << 20]) expect(parseBytes(text, batchBytes)).toEqual(expected);
    expect(Object.getPrototypeOf(parseBytes(text))).toBe(Object.prototype);
  });

  test("a member named __proto__ stays a member, as JSON.parse keeps it", () => {
    const parsed = parseBytes('{"__proto__":{"polluted":1}}');
    expect(Object.keys(parsed)).toEqual(["__proto__"]);
    expect((parsed as { polluted?: number }).polluted).toBeUndefined();
  });

  test("a byte-order mark is skipped", () => {
    expect(parseBytes(new Uint8Array([0xef, 0xbb, 0xbf, ...bytesOf('{"a":[1]}')]))).toEqual({ a: [1] });
  });

  test("the recorded traces' files parse to what JSON.parse makes of them", async () => {
    for (const [, program] of PROGRAMS.slice(0, 3)) {
      const text = exportAioscope(await program());
      expect(parseBytes(text, 64)).toEqual(JSON.parse(text));
    }
  });

  test("it yields how far it got after each batch", () => {
    const text = `{"a":[${Array.from({ length: 100 }, (_, k) => k).join(",")}]}`;
    const reading = parseJsonObjectBytes(bytesOf(text), 16);
    const seen: number[] = [];
    let step = reading.next();
    for (; step.done !== true; step = reading.next()) seen.push(step.value);
    expect(seen.length).toBeGreaterThan(5);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen);
    expect(seen.at(-1)!).toBeLessThan(text.length);
  });

  test.each([
    ['{"a":[1,2', "truncated", true],
    ['{"a":"abc', "truncated", true],
    ['{"a":1', "truncated", true],
    ['{"a":[1,2]} x', "unexpected text after the JSON object", false],
    ['{"a":[1,]}', "expected an array element", false],
    ['{"a":[,1]}', "expected an array element", false],
    ['{"a":[1 2]}', "", false],
    ['{"a":1 "b":2}', "", false],
    ['{"a":1,}', "expected a member name in double quotes", false],
    ["[1,2]", "expected { (the document is not a JSON object)", false],
    ['{a:1}', "expected a member name in double quotes", false],
  ] as const)("%s is refused (%s)", (text, words, truncated) => {
    const error = errorOf(text, 1);
    expect(error.message).toContain(words);
    expect(error.truncated).toBe(truncated);
    expect(error.offset).toBeLessThanOrEqual(text.length);
  });

  test("an error inside a batch names a byte within the element that is wrong", () => {
    const text = '{"list":[{"a":1},{"a":1},{"a":tru}]}';
    const error = errorOf(text, 1);
    expect(error.offset).toBeGreaterThanOrEqual(text.indexOf('{"a":tru'));
    expect(error.offset).toBeLessThanOrEqual(text.indexOf("}]"));
  });

  test("bytes that are not UTF-8 throw a TypeError", () => {
    expect(() => parseBytes(new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d]))).toThrow(TypeError);
  });
});

describe("importing a file as bytes", () => {
  const blobOf = (text: string): Blob => new Blob([text]);

  test("a malformed file gets JSON.parse's own message, with line and column", async () => {
    const text = exportAioscope(await PROGRAMS[0]![1]());
    const broken = `${text.slice(0, 200)}\n,${text.slice(200)}`;
    const viaText = await importTraceAsync(broken);
    expect(viaText.ok).toBe(false);
    expect(await importTraceAsync(blobOf(broken))).toEqual(viaText);
    expect(await importTraceAsync(blobOf(text.slice(0, -20)))).toEqual(await importTraceAsync(text.slice(0, -20)));
  });

  test("a file larger than textBytes is parsed as bytes into the same trace", async () => {
    const text = exportAioscope(await PROGRAMS[0]![1]());
    const viaBytes = await importTraceAsync(blobOf(text), { textBytes: 0 });
    expect(viaBytes.ok).toBe(true);
    expect(viaBytes).toEqual(await importTraceAsync(text));
  });

  test("a file too large to parse as one string is refused with the byte's line and column", async () => {
    const text = exportAioscope(await PROGRAMS[0]![1]());
    const broken = `${text.slice(0, 200)}\n  ,${text.slice(200)}`;
    const result = await importTraceAsync(blobOf(broken), { textBytes: 0 });
    expect(result).toEqual({ ok: false, error: { path: "$", message: expect.stringMatching(/^the file is not valid JSON at line 2, column 3 \(/) as string } });
    const truncated = await importTraceAsync(blobOf(text.slice(0, -20)), { textBytes: 0 });
    expect(truncated).toEqual({ ok: false, error: { path: "$", message: expect.stringMatching(/^the file is truncated: it ends before the JSON does at line 1, column \d+ \(/) as string } });
  });

  test("bytes that are not UTF-8, and a JSON array, get the importer's usual messages", async () => {
    expect(await importTraceAsync(new Blob([new Uint8Array([0x7b, 0x22, 0xff, 0x22, 0x3a, 0x31, 0x7d])]))).toEqual(
      { ok: false, error: { path: "$", message: "the file is not UTF-8 text (JSON must be UTF-8)" } },
    );
    expect(await importTraceAsync(blobOf("[]"))).toEqual(await importTraceAsync("[]"));
  });
});

describe("reading JSON from bytes lazily", () => {
  function readLazily(text: string, batchBytes?: number): Record<string, unknown> {
    const reading = readJsonObjectBytes(bytesOf(text), batchBytes);
    for (;;) {
      const step = reading.next();
      if (step.done === true) return step.value;
    }
  }

  test.each(DOCUMENTS)("%s: each array's length, and its batches one after the other, are what JSON.parse makes of it", (text) => {
    const expected = JSON.parse(text) as Record<string, unknown>;
    for (const batchBytes of [1, 3, 7, 1 << 16]) {
      const lazy = readLazily(text, batchBytes);
      expect(Object.keys(lazy)).toEqual(Object.keys(expected));
      for (const [key, value] of Object.entries(lazy)) {
        if (!Array.isArray(expected[key])) {
          expect(value).toEqual(expected[key]);
          continue;
        }
        expect(value).toBeInstanceOf(LazyJsonArray);
        const array = value as LazyJsonArray;
        expect(array.length).toBe((expected[key] as unknown[]).length);
        expect([...array.batches()].flat()).toEqual(expected[key]);
        if (batchBytes === 1 && array.length > 1) expect([...array.batches()].length).toBe(array.length);
      }
    }
  });

  test("a malformed element is found when its batch is read, not before", () => {
    const lazy = readLazily('{"a":[{"x":1},{"x":tru},{"x":3}],"b":2}', 1);
    expect(lazy.b).toBe(2);
    const batches = (lazy.a as LazyJsonArray).batches();
    expect(batches.next().value).toEqual([{ x: 1 }]);
    expect(() => batches.next()).toThrow(JsonBytesError);
  });
});

describe("reading records straight from bytes", () => {
  const LAYOUT: RecordLayout = ["n", "s", ["o", ["a", "b"]], "z"];

  function arrayOf(text: string, batchBytes: number): LazyJsonArray {
    const reading = readJsonObjectBytes(bytesOf(`{"list":[${text}]}`), batchBytes);
    for (;;) {
      const step = reading.next();
      if (step.done === true) return step.value.list as LazyJsonArray;
    }
  }

  /** Every element, copied as it comes (the records read from bytes come in one refilled object). */
  function elements(list: LazyJsonArray, layout?: RecordLayout): unknown[] {
    const cursor = list.elements(layout);
    const out: unknown[] = [];
    for (let e = cursor.next(); e !== NO_MORE_ELEMENTS; e = cursor.next()) out.push(structuredClone(e));
    return out;
  }

  const numbers = ["0", "-0", "7", "-12", "0.5", "1.07", "175.673", "4294967297", "123456789012345", "0.000000000000001", "-9.99", "12884901889.5"];
  const inForm = numbers.map((n, k) => `{"n":${n},"s":${k % 3 === 0 ? "null" : `"label ${k % 5}"`},"o":${k % 2 === 0 ? "null" : `{"a":${n},"b":"x"}`},"z":${k % 4 === 0}}`);
  const otherForms = [
    '{"n":1, "s":null,"o":null,"z":true}',
    '{"s":null,"n":1,"o":null,"z":true}',
    '{"n":1,"s":null,"o":null,"z":true,"extra":1}',
    '{"n":1,"s":null,"o":null}',
    '{"n":1e3,"s":null,"o":null,"z":true}',
    '{"n":1234567890123456,"s":null,"o":null,"z":true}',
    '{"n":0.1234567890123456,"s":null,"o":null,"z":true}',
    '{"n":1,"s":"tab\\t","o":null,"z":true}',
    '{"n":1,"s":"a\\"b \\u00e9 \\\\","o":null,"z":true}',
    '{"n":1,"s":"é 😀","o":{"a":"\\n","b":"ü"},"z":true}',
    `{"n":1,"s":"${"long ".repeat(300)}","o":null,"z":true}`,
    '{"n":1,"s":"é","o":null,"z":true}',
    '{"n":1,"s":null,"o":[1],"z":true}',
    '{"n":1,"s":null,"o":{"b":2,"a":1},"z":true}',
    '[1,2]',
    '"just a string"',
    'null',
    '{"n":-,"s":null,"o":null,"z":true}'.replace("-,", '"-",'),
  ];

  test("records in the writer's form, and in any other, are what JSON.parse makes of them, wherever the batches are cut", () => {
    const mixed = [...inForm, ...otherForms, ...inForm.slice(0, 4), otherForms[0]!, ...inForm.slice(4)];
    const text = mixed.join(",");
    const expected = JSON.parse(`[${text}]`) as unknown[];
    for (const batchBytes of [1, 40, 97, 300, 1 << 16]) {
      const list = arrayOf(text, batchBytes);
      expect(elements(list, LAYOUT)).toEqual(expected);
      expect(elements(list)).toEqual(expected);
    }
  });

  test("numbers read from bytes are the very doubles JSON.parse gives", () => {
    const random = (k: number): string => {
      const digits = 1 + (k % 15);
      const whole = String(Math.floor(Math.random() * 10 ** Math.min(digits, 9)));
      const decimals = Math.max(0, digits - whole.length);
      const fraction = decimals === 0 ? "" : `.${String(Math.floor(Math.random() * 10 ** decimals)).padStart(decimals, "0")}`;
      return `${k % 7 === 0 ? "-" : ""}${whole}${fraction}`;
    };
    const texts = Array.from({ length: 5000 }, (_, k) => random(k));
    const text = texts.map((n) => `{"n":${n},"s":null,"o":null,"z":false}`).join(",");
    const read = elements(arrayOf(text, 1 << 16), LAYOUT).map((e) => (e as { n: number }).n);
    read.forEach((n, k) => expect(Object.is(n, JSON.parse(texts[k]!))).toBe(true));
  });

  test("records in the writer's form come in one object refilled for each, so a reader copies what it keeps", () => {
    const cursor = arrayOf(inForm.join(","), 1 << 16).elements(LAYOUT);
    const first = cursor.next();
    expect(cursor.next()).toBe(first);
  });

  test.each(['{"n":tru,"s":null,"o":null,"z":true}', '{"n":1,"s":"bad \\x escape","o":null,"z":true}', '{"n":1,"s":"raw \t tab","o":null,"z":true}'])(
    "a malformed element after records in the writer's form (%s) is refused as JSON.parse refuses its batch", (malformed) => {
    const text = `${inForm.slice(0, 3).join(",")},${malformed}`;
    const cursor = arrayOf(text, 1 << 16).elements(LAYOUT);
    for (let k = 0; k < 3; k++) expect(cursor.next()).not.toBe(NO_MORE_ELEMENTS);
    const viaBatches = (): unknown => [...arrayOf(text, 1 << 16).batches()];
    expect(() => cursor.next()).toThrow(JsonBytesError);
    let expected: unknown;
    try {
      viaBatches();
    } catch (error) {
      expected = error;
    }
    expect(expected).toBeInstanceOf(JsonBytesError);
    const again = arrayOf(text, 1 << 16).elements(LAYOUT);
    for (let k = 0; k < 3; k++) again.next();
    expect(() => again.next()).toThrow(expected as Error);
  });

  test("bytes that are not UTF-8 are refused, as they are when the batch is parsed", () => {
    const broken = bytesOf(`{"list":[${inForm[1]},{"n":1,"s":"a?b","o":null,"z":true}]}`);
    broken[broken.lastIndexOf(0x3f)] = 0xff;
    const reading = readJsonObjectBytes(broken);
    let step = reading.next();
    while (step.done !== true) step = reading.next();
    const cursor = (step.value.list as LazyJsonArray).elements(LAYOUT);
    expect(cursor.next()).not.toBe(NO_MORE_ELEMENTS);
    expect(() => cursor.next()).toThrow(TypeError);
  });

  test.each(PROGRAMS.map(([name, program]) => [name, program] as const))("the %s trace's records are laid out as RECORD_LAYOUTS says", async (_name, program) => {
    const layoutOf = (record: Record<string, unknown>): RecordLayout =>
      Object.entries(record).map(([key, value]) => (value !== null && typeof value === "object" && !Array.isArray(value) ? [key, layoutOf(value as Record<string, unknown>)] : key));
    const file = JSON.parse(exportAioscope(await program())) as Record<string, Record<string, unknown>[]>;
    for (const [collection, layout] of Object.entries(RECORD_LAYOUTS)) {
      for (const record of file[collection]!) {
        // A member that may hold an object shows its layout only when it holds one.
        const expected = (layout as RecordLayout).map((member) => (typeof member === "string" || record[member[0]] !== null ? member : member[0]));
        expect(layoutOf(record)).toEqual(expected);
      }
    }
    // …and so every record of the file is read straight from its bytes, into the one object.
    const reading = readJsonObjectBytes(bytesOf(exportAioscope(await program())));
    let step = reading.next();
    while (step.done !== true) step = reading.next();
    for (const [collection, layout] of Object.entries(RECORD_LAYOUTS)) {
      const cursor = (step.value[collection] as LazyJsonArray).elements(layout);
      const first = cursor.next();
      for (let e = cursor.next(); e !== NO_MORE_ELEMENTS; e = cursor.next()) expect(e, collection).toBe(first);
    }
  });
});
