/**
 * The package's main entry under Node (the `"node"` condition of `"."`): the runtime, with
 * Node's I/O installed — worker_threads for `toThread`, TCP streams, subprocesses. Pages get
 * src/runtime/index.ts itself, which imports no Node module.
 */
import { installNodeIo } from "./io-host.ts";

installNodeIo();

export * from "../runtime/index.ts";
