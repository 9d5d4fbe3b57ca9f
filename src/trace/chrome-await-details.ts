/**
 * The DevTools `detail` of each await's span, written as bytes from pieces encoded once.
 *
 * A session has hundreds of thousands of awaits and the detail is JSON inside a JSON string,
 * so building it per await (an object, two `JSON.stringify`, a string) cost most of the
 * export's time and garbage. JSON escaping works character by character, so the escaped form
 * of a concatenation is the concatenation of the escaped pieces: each piece (a task's track,
 * a colour, a "woken by" row…) is escaped and encoded once and reused.
 *
 * The payload: the task's track in "aioscope tasks", the colour of the await's outcome, and the
 * properties await (kind), outcome (unless "resumed"), woken by, and the awaited task or resource.
 * No `dataType`: "track-entry" is what DevTools assumes without one, and leaving it out of
 * hundreds of thousands of awaits saves 30 bytes each.
 */
import type { AwaitRecord, StepRecord, WakeKind } from "./model.ts";
import type { ByteWriter } from "./byte-writer.ts";
import { encode } from "./byte-writer.ts";
import { TASKS_TRACK_GROUP, awaitColor, wakeText } from "./performance-tracks.ts";

/** `text` as it appears inside a JSON string, without the quotes, encoded. */
function escaped(text: string): Uint8Array {
  return encode(JSON.stringify(text).slice(1, -1));
}

export class AwaitDetails {
  private readonly heads = new Map<number, Uint8Array>();
  private readonly colorKinds = new Map<string, Map<string, Uint8Array>>();
  private readonly outcomes = new Map<string, Uint8Array>();
  private readonly wakes = new Map<WakeKind, Map<number, Uint8Array>>();
  private readonly targets = new Map<number, Uint8Array>();
  private readonly resources = new Map<number, Uint8Array>();
  private readonly closes = new Map<string, Uint8Array>();

  constructor(
    private readonly trackOf: (task: number | null) => string | null,
    private readonly resourceLabel: (resource: number) => string | null,
  ) {}

  /**
   * Writes `,"args":{"detail":"{\"devtools\":{…}}","await":KIND`: the detail of await `a`,
   * ended by the wake-up of step `next`, and its kind. The caller closes the args. Each piece
   * is looked up without making a closure or a key string: this runs once per await.
   */
  write(w: ByteWriter, a: AwaitRecord, next: StepRecord | null): void {
    w.bytes(this.heads.get(a.task) ?? this.head(a.task));
    const color = awaitColor(a.outcome);
    w.bytes(this.colorKinds.get(color)?.get(a.kind) ?? this.colorKind(color, a.kind));
    // "resumed" is what awaits do; the colour tells it, and the row is left out to keep files small.
    if (a.outcome !== "resumed") {
      const outcome = a.outcome ?? "still waiting";
      w.bytes(this.outcomes.get(outcome) ?? remember(this.outcomes, outcome, escaped(`,["outcome",${JSON.stringify(outcome)}]`)));
    }
    if (next !== null && next.wake !== null) w.bytes(this.wakes.get(next.wake)?.get(next.waker ?? -1) ?? this.wake(next.wake, next.waker));
    if (a.targetTask !== null) {
      const target = a.targetTask;
      w.bytes(this.targets.get(target) ?? remember(this.targets, target, escaped(`,["awaits task",${JSON.stringify(this.trackOf(target) ?? String(target))}]`)));
    }
    if (a.resource !== null) {
      const resource = a.resource;
      w.bytes(this.resources.get(resource) ?? remember(this.resources, resource, escaped(`,["resource",${JSON.stringify(this.resourceLabel(resource) ?? String(resource))}]`)));
    }
    w.bytes(this.closes.get(a.kind) ?? remember(this.closes, a.kind, encode(`]}}","await":${JSON.stringify(a.kind)}`)));
  }

  private head(task: number): Uint8Array {
    const track = this.trackOf(task) ?? "";
    return remember(this.heads, task, encode(`,"args":{"detail":"${escapedText(`{"devtools":{"track":${JSON.stringify(track)},"trackGroup":${JSON.stringify(TASKS_TRACK_GROUP)},"color":"`)}`));
  }

  private colorKind(color: string, kind: string): Uint8Array {
    let byKind = this.colorKinds.get(color);
    if (byKind === undefined) this.colorKinds.set(color, (byKind = new Map()));
    return remember(byKind, kind, escaped(`${color}","properties":[["await",${JSON.stringify(kind)}]`));
  }

  private wake(kind: WakeKind, waker: number | null): Uint8Array {
    let byWaker = this.wakes.get(kind);
    if (byWaker === undefined) this.wakes.set(kind, (byWaker = new Map()));
    return remember(byWaker, waker ?? -1, escaped(`,["woken by",${JSON.stringify(wakeText(kind, this.trackOf(waker)))}]`));
  }
}

function escapedText(text: string): string {
  return JSON.stringify(text).slice(1, -1);
}

function remember<K>(map: Map<K, Uint8Array>, key: K, bytes: Uint8Array): Uint8Array {
  map.set(key, bytes);
  return bytes;
}
