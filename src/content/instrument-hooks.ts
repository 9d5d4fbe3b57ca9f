/**
 * Our instruments as the runtime reads them: it looks each hook up on each instrument at each
 * event (`instrument.resourceOp`…), and a hook an instrument lacks would be looked up on the
 * page's Object.prototype, where a getter the page put there would run. So each instrument of
 * ours holds every hook, `undefined` where it has none, as a property of its own.
 */
import { INSTRUMENT_HOOKS, type Instrument } from "../runtime/instrument.ts";
import { bareDescriptor, defineProperty, getPrototypeOf, ownDescriptor } from "../trace/primordials.ts";

const ObjectPrototype = Object.prototype;

/** Whether `instrument` or one of its prototypes short of Object.prototype has `hook`. */
function hasHook(instrument: object, hook: string): boolean {
  for (let o: object | null = instrument; o !== null && o !== ObjectPrototype; o = getPrototypeOf(o) as object | null) {
    if (ownDescriptor(o, hook) !== undefined) return true;
  }
  return false;
}

/** `instrument`, given every hook it lacks as an own `undefined`. */
export function withEveryHook<T extends Instrument>(instrument: T): T {
  for (let k = 0; k < INSTRUMENT_HOOKS.length; k++) {
    const hook = INSTRUMENT_HOOKS[k]!;
    if (!hasHook(instrument, hook)) defineProperty(instrument, hook, bareDescriptor({ value: undefined, writable: true, configurable: true }));
  }
  return instrument;
}
