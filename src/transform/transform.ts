/**
 * The build transform: rewrites one JavaScript module so that every async function, method,
 * arrow and async generator reports its calls, awaits and outcome to the prelude
 * (prelude.ts). It is a bundler-independent function; vite.ts and esbuild.ts are its plugins.
 *
 * The rewrite keeps each function's own body, parameters and identity (name, length,
 * `this`, `arguments`, `super`, `new.target`, its AsyncFunction prototype): it only adds, by
 * text insertions with a source map (magic-string over an acorn AST),
 *
 *   async function f(a) { const __aioscope_t = __aioscope.enter("f", "src/f.ts", 1, 1);
 *     try { BODY } catch (e) { __aioscope.fail(__aioscope_t, e); throw e; }
 *     finally { __aioscope.exit(__aioscope_t); } }
 *
 * and around every `await X` of such a function
 *
 *   __aioscope.resumed(__aioscope_t, await __aioscope.suspend(__aioscope_t, X, "X"))
 *
 * `suspend` returns X itself, so what is awaited, and when the function resumes, are
 * unchanged. `yield` in async generators and `for await` loops get the same treatment.
 * Top-level awaits belong to no function and are left as they are.
 *
 * Insertions at one position nest correctly because openings are made in pre-order with
 * `appendRight` and closings in post-order with `appendLeft`.
 */
import { parse, type Node } from "acorn";
import MagicString, { type SourceMap } from "magic-string";
import { TraceMap, originalPositionFor, type SourceMapInput } from "@jridgewell/trace-mapping";

export interface TransformOptions {
  /** The module's id (usually its absolute path): the output map's source. */
  readonly id: string;
  /** Maps `code` back to the original source, so creation sites point at what people wrote. */
  readonly inputMap?: InputSourceMap | null;
  /** How a source file (from the input map, or `id`) is shown in creation sites; default: unchanged. */
  readonly formatFile?: (source: string) => string;
  /** The module specifier the transformed code imports the prelude from. */
  readonly preludeImport: string;
  /** Awaited expressions are labelled with at most this many characters of their source. Default 60. */
  readonly maxLabelLength?: number;
}

/** A source map as bundlers hand them over (v3, encoded mappings), or its JSON text. */
export type InputSourceMap = string | {
  readonly version: number;
  readonly sources: readonly (string | null)[];
  readonly mappings: string;
  readonly names?: readonly string[];
  readonly sourceRoot?: string;
  readonly file?: string | null;
};

export interface TransformResult {
  readonly code: string;
  readonly map: SourceMap;
  /** How many async functions were instrumented. */
  readonly functions: number;
}

/** A syntax error in the module, with where it is. */
export class TransformSyntaxError extends Error {
  override readonly name = "TransformSyntaxError";
  constructor(readonly id: string, readonly line: number, readonly column: number, reason: string) {
    super(`aioscope: cannot parse ${id}:${line}:${column}: ${reason}`);
  }
}

const HOOKS = "__aioscope";
const CALL = "__aioscope_t";
const ERROR = "__aioscope_e";

/** Acorn's nodes, read generically: the walk visits every child node whatever its type. */
type AnyNode = Node & Record<string, unknown>;

interface FunctionScope {
  /** Inside an instrumented async function: its awaits are rewritten. */
  readonly instrumented: boolean;
  readonly generator: boolean;
}

const OUTSIDE: FunctionScope = { instrumented: false, generator: false };
const SKIPPED_KEYS = new Set(["type", "start", "end", "loc", "range", "raw"]);

/**
 * Rewrites `code`; null when it has no async function (nothing to do).
 * @throws TransformSyntaxError when `code` is not a JavaScript module acorn can parse.
 */
export function transformAsyncFunctions(code: string, options: TransformOptions): TransformResult | null {
  if (!/\basync\b/.test(code)) return null;
  let ast: AnyNode;
  try {
    ast = parse(code, { ecmaVersion: "latest", sourceType: "module", allowHashBang: true, preserveParens: true, allowAwaitOutsideFunction: true }) as unknown as AnyNode;
  } catch (error) {
    const at = error as { loc?: { line: number; column: number }; message?: string };
    throw new TransformSyntaxError(options.id, at.loc?.line ?? 0, (at.loc?.column ?? 0) + 1, String(at.message ?? error));
  }
  const rewriter = new Rewriter(code, options);
  rewriter.visit(ast, OUTSIDE, []);
  if (rewriter.functions === 0) return null;
  return rewriter.finish();
}

class Rewriter {
  readonly out: MagicString;
  functions = 0;
  private readonly lineStarts: number[];
  private readonly map: TraceMap | null;
  private readonly maxLabel: number;

  constructor(private readonly code: string, private readonly options: TransformOptions) {
    this.out = new MagicString(code);
    this.lineStarts = [0];
    for (let i = code.indexOf("\n"); i >= 0; i = code.indexOf("\n", i + 1)) this.lineStarts.push(i + 1);
    this.map = options.inputMap !== undefined && options.inputMap !== null ? new TraceMap(options.inputMap as SourceMapInput) : null;
    this.maxLabel = options.maxLabelLength ?? 60;
  }

  finish(): TransformResult {
    const importAt = this.code.startsWith("#!") ? this.code.indexOf("\n") + 1 : 0;
    this.out.appendRight(importAt, `import { hooks as ${HOOKS} } from ${JSON.stringify(this.options.preludeImport)};\n`);
    const map = this.out.generateMap({ hires: true, source: this.options.id, includeContent: true });
    return { code: this.out.toString(), map, functions: this.functions };
  }

  visit(node: AnyNode, scope: FunctionScope, parents: AnyNode[]): void {
    switch (node.type) {
      case "FunctionDeclaration":
      case "FunctionExpression":
      case "ArrowFunctionExpression":
        this.visitFunction(node, parents);
        return;
      case "PropertyDefinition":
      case "StaticBlock":
        // Field initializers and static blocks run as functions of their own.
        this.visitChildren(node, OUTSIDE, parents);
        return;
      case "AwaitExpression":
        if (scope.instrumented) this.rewriteSuspension(node, node.argument as AnyNode | null, "", scope, parents);
        else this.visitChildren(node, scope, parents);
        return;
      case "YieldExpression":
        if (scope.instrumented && scope.generator) {
          const argument = node.argument as AnyNode | null;
          const prefix = node.delegate === true ? "yield* " : "yield ";
          this.rewriteSuspension(node, argument, argument === null ? "yield" : prefix, scope, parents);
        } else this.visitChildren(node, scope, parents);
        return;
      case "ForOfStatement":
        if (scope.instrumented && node.await === true) this.rewriteForAwait(node, scope, parents);
        else this.visitChildren(node, scope, parents);
        return;
      default:
        this.visitChildren(node, scope, parents);
    }
  }

  private visitChildren(node: AnyNode, scope: FunctionScope, parents: AnyNode[]): void {
    parents.push(node);
    for (const key in node) {
      if (SKIPPED_KEYS.has(key)) continue;
      const value = node[key];
      if (Array.isArray(value)) {
        for (const item of value) if (isNode(item)) this.visit(item, scope, parents);
      } else if (isNode(value)) this.visit(value, scope, parents);
    }
    parents.pop();
  }

  private visitFunction(fn: AnyNode, parents: AnyNode[]): void {
    if (fn.async !== true) {
      this.visitChildren(fn, OUTSIDE, parents);
      return;
    }
    this.functions++;
    const name = functionName(fn, parents, this.code);
    const site = this.siteOf(sitePosition(fn, parents));
    const enter = `const ${CALL} = ${HOOKS}.enter(${JSON.stringify(name)}, ${JSON.stringify(site.file)}, ${site.line}, ${site.column});`;
    const leave = `} catch (${ERROR}) { ${HOOKS}.fail(${CALL}, ${ERROR}); throw ${ERROR}; } finally { ${HOOKS}.exit(${CALL}); }`;
    const body = fn.body as AnyNode;
    const expressionBody = fn.expression === true || body.type !== "BlockStatement";
    let bodyStart = -1;
    if (expressionBody) {
      this.out.appendRight(body.start, `{ ${enter} try { return (`);
    } else {
      // After the directive prologue ("use strict" must stay first); `;` ends a directive
      // written without one.
      const statements = body.body as AnyNode[];
      let at = body.start + 1;
      let prefix = "";
      for (const statement of statements) {
        if (typeof statement.directive !== "string") break;
        at = statement.end;
        prefix = ";";
      }
      this.out.appendRight(at, `${prefix} ${enter} try {`);
      bodyStart = at;
    }
    this.visitChildren(fn, { instrumented: true, generator: fn.generator === true }, parents);
    if (expressionBody) this.out.appendLeft(body.end, `); ${leave} }`);
    else this.close(body.end - 1, bodyStart, ` ${leave} `);
  }

  /** `await X` / `yield X`: suspend before, resumed after (see the module comment). */
  private rewriteSuspension(node: AnyNode, argument: AnyNode | null, labelPrefix: string, scope: FunctionScope, parents: AnyNode[]): void {
    const isYield = node.type === "YieldExpression";
    const inner = argument === null ? null : unparenthesized(argument);
    // `await f(...)` links to the call it awaits; `Promise.all(...)` and friends make a new promise.
    const linksCall = !isYield && inner !== null && (inner.type === "CallExpression" || inner.type === "NewExpression") && !isPromiseStatic(inner);
    const label = JSON.stringify(isYield && argument === null ? "yield" : this.label(labelPrefix, argument!));
    // Flags: 1 = link to the awaited call's task; 2 = resumed only by `resumed` (a yield waits
    // for the consumer, not for its value).
    const flags = (linksCall ? 1 : 0) | (isYield ? 2 : 0);
    const tail = flags === 0 ? `, ${label})` : `, ${label}, ${flags})`;
    const callArg = linksCall ? `${HOOKS}.mark(${CALL})` : CALL;
    this.out.appendRight(node.start, `${HOOKS}.resumed(${CALL}, `);
    if (argument === null) {
      this.visitChildren(node, scope, parents);
      this.out.appendLeft(node.end, ` ${HOOKS}.suspend(${callArg}, void 0${tail}`);
    } else {
      this.out.appendRight(argument.start, `${HOOKS}.suspend(${callArg}, `);
      this.visitChildren(node, scope, parents);
      this.out.appendLeft(argument.end, tail);
    }
    this.out.appendLeft(node.end, ")");
  }

  /**
   * `for await (x of it) body`: suspended at the head and after each pass, resumed at the
   * start of each pass and after the loop. The loop (with its labels) is wrapped in a block
   * so that the statement after it can report the resumption.
   */
  private rewriteForAwait(loop: AnyNode, scope: FunctionScope, parents: AnyNode[]): void {
    const right = loop.right as AnyNode;
    const label = JSON.stringify(this.label("for await … of ", right));
    let outer: AnyNode = loop;
    for (let k = parents.length - 1; k >= 0 && parents[k]!.type === "LabeledStatement"; k--) outer = parents[k]!;
    this.out.appendRight(outer.start, "{ ");
    this.out.appendRight(right.start, `${HOOKS}.suspendLoop(${CALL}, `);
    const body = loop.body as AnyNode;
    const resume = `${HOOKS}.resumed(${CALL}, 0); try {`;
    const suspendAgain = `} finally { ${HOOKS}.suspendLoop(${CALL}, 0, ${label}); }`;
    parents.push(loop);
    for (const part of [loop.left as AnyNode, right]) this.visit(part, scope, parents);
    this.out.appendLeft(right.end, `, ${label})`);
    if (body.type === "BlockStatement") {
      this.out.appendRight(body.start + 1, ` ${resume}`);
      this.visit(body, scope, parents);
      this.close(body.end - 1, body.start + 1, ` ${suspendAgain} `);
    } else {
      this.out.appendRight(body.start, `{ ${resume} `);
      this.visit(body, scope, parents);
      this.out.appendLeft(body.end, ` ${suspendAgain} }`);
    }
    parents.pop();
    this.out.appendLeft(outer.end, ` ${HOOKS}.resumed(${CALL}, 0); }`);
  }

  /**
   * A closing insertion at `at`: after what nested nodes closed there, and after the opening
   * made at `openedAt` when both fall on one position (an empty body).
   */
  private close(at: number, openedAt: number, text: string): void {
    if (at === openedAt) this.out.appendRight(at, text);
    else this.out.appendLeft(at, text);
  }

  /** The source text of `node`, on one line, shortened. */
  private label(prefix: string, node: AnyNode): string {
    const text = prefix + this.code.slice(node.start, node.end).replace(/\s+/g, " ").trim();
    return text.length <= this.maxLabel ? text : `${text.slice(0, this.maxLabel - 1)}…`;
  }

  /** Line (1-based) and column (1-based, as stack traces count) of `offset`, in the original source. */
  private siteOf(offset: number): { file: string; line: number; column: number } {
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.lineStarts[mid]! <= offset) low = mid;
      else high = mid - 1;
    }
    const line = low + 1;
    const column = offset - this.lineStarts[low]!;
    const format = this.options.formatFile ?? ((source: string) => source);
    if (this.map !== null) {
      const original = originalPositionFor(this.map, { line, column });
      if (original.source !== null && original.line !== null && original.column !== null) {
        return { file: format(original.source), line: original.line, column: original.column + 1 };
      }
    }
    return { file: format(this.options.id), line, column: column + 1 };
  }
}

function isNode(value: unknown): value is AnyNode {
  return typeof value === "object" && value !== null && typeof (value as { type?: unknown }).type === "string";
}

function unparenthesized(node: AnyNode): AnyNode {
  let inner = node;
  while (inner.type === "ParenthesizedExpression") inner = inner.expression as AnyNode;
  return inner;
}

function isPromiseStatic(call: AnyNode): boolean {
  const callee = unparenthesized(call.callee as AnyNode);
  if (call.type === "NewExpression") return callee.type === "Identifier" && callee.name === "Promise";
  return callee.type === "MemberExpression" && (callee.object as AnyNode).type === "Identifier" && (callee.object as AnyNode).name === "Promise";
}

/** The nearest parent that is not a pair of parentheses around `node`. */
function parentOf(parents: AnyNode[], depth = 1): { parent: AnyNode | null; index: number } {
  let k = parents.length - depth;
  while (k >= 0 && parents[k]!.type === "ParenthesizedExpression") k--;
  return { parent: k >= 0 ? parents[k]! : null, index: k };
}

/** Where a function is written: a method's name, else the function itself (`async`). */
function sitePosition(fn: AnyNode, parents: AnyNode[]): number {
  const { parent } = parentOf(parents);
  if (parent !== null && (parent.type === "MethodDefinition" || (parent.type === "Property" && parent.value === fn))) return parent.start;
  return fn.start;
}

/**
 * The task name of an async function: its own name, `Class.method` for methods and fields,
 * the variable or property an anonymous function is assigned to, else "(anonymous)".
 */
export function functionName(fn: AnyNode, parents: AnyNode[], code: string): string {
  const { parent, index } = parentOf(parents);
  if (parent !== null) {
    if (parent.type === "MethodDefinition" || parent.type === "PropertyDefinition") {
      return `${className(parents.slice(0, index), code)}.${keyName(parent, code)}`;
    }
    if (parent.type === "Property" && parent.value === fn) {
      // The object literal's own parent: `const api = { async load() {} }` names `api.load`.
      const owner = parentOf(parents.slice(0, index - 1)).parent;
      const key = keyName(parent, code);
      if (owner !== null && owner.type === "VariableDeclarator" && (owner.id as AnyNode).type === "Identifier") {
        return `${(owner.id as AnyNode).name as string}.${key}`;
      }
      return key;
    }
  }
  const id = fn.id as AnyNode | null | undefined;
  if (id !== null && id !== undefined) return id.name as string;
  if (parent === null) return "(anonymous)";
  switch (parent.type) {
    case "VariableDeclarator":
    case "AssignmentPattern": {
      const target = (parent.type === "VariableDeclarator" ? parent.id : parent.left) as AnyNode;
      if (target.type === "Identifier") return target.name as string;
      break;
    }
    case "AssignmentExpression":
      return shortSource(parent.left as AnyNode, code);
    case "ExportDefaultDeclaration":
      return "default";
  }
  return "(anonymous)";
}

function keyName(member: AnyNode, code: string): string {
  const key = member.key as AnyNode;
  if (member.computed === true) return `[${shortSource(key, code)}]`;
  if (key.type === "Identifier") return key.name as string;
  if (key.type === "PrivateIdentifier") return `#${key.name as string}`;
  return String(key.value);
}

function className(parents: AnyNode[], code: string): string {
  for (let k = parents.length - 1; k >= 0; k--) {
    const node = parents[k]!;
    if (node.type !== "ClassDeclaration" && node.type !== "ClassExpression") continue;
    const id = node.id as AnyNode | null;
    if (id !== null) return id.name as string;
    const { parent } = parentOf(parents.slice(0, k));
    if (parent !== null && parent.type === "VariableDeclarator" && (parent.id as AnyNode).type === "Identifier") return (parent.id as AnyNode).name as string;
    if (parent !== null && parent.type === "AssignmentExpression") return shortSource(parent.left as AnyNode, code);
    return "(class)";
  }
  return "(class)";
}

function shortSource(node: AnyNode, code: string): string {
  const text = code.slice(node.start, node.end).replace(/\s+/g, " ");
  return text.length <= 40 ? text : `${text.slice(0, 39)}…`;
}
