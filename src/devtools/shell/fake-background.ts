/**
 * The shell's stand-in for the background service worker and the page: an in-memory Wall
 * that answers the store's attach, and while it records, runs the shell's program under a
 * real Recorder and streams its batches as the page hook would — so the panel's live view is
 * exercised without an extension.
 */
import {
  PROTOCOL_VERSION, type BackgroundToPanelMessage, type FrameRef, type PageEvent, type PanelToBackgroundMessage, type Wall,
} from "../../protocol/messages.ts";
import { Recorder } from "../../trace/recorder.ts";
import { runProgram } from "./program.ts";

const FRAME: FrameRef = { tabId: 1, frameId: 0, documentId: "shell-document" };
const FLUSH_MS = 50;

export class FakeBackground implements Wall<BackgroundToPanelMessage, PanelToBackgroundMessage> {
  private readonly listeners = new Set<(message: BackgroundToPanelMessage) => void>();
  private recorder: Recorder | null = null;
  private session: string | null = null;
  private stream = 0;
  private timer: ReturnType<typeof setInterval> | null = null;
  /** Resolves when the program started by the last `record` has finished. */
  programDone: Promise<void> = Promise.resolve();

  listen(listener: (message: BackgroundToPanelMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  send(message: PanelToBackgroundMessage): void {
    // Asynchronous, as a port is.
    queueMicrotask(() => this.receive(message));
  }

  private deliver(message: BackgroundToPanelMessage): void {
    for (const listener of this.listeners) listener(message);
  }

  private pageEvent(event: PageEvent): void {
    this.deliver({ kind: "frameEvent", data: { frame: FRAME, event } });
  }

  private receive(message: PanelToBackgroundMessage): void {
    if (message.kind === "attach") {
      this.deliver({ kind: "attached", data: { protocol: PROTOCOL_VERSION, frames: [FRAME] } });
    } else if (message.kind === "record") {
      this.stopRecording();
      if (message.data.recording !== null) this.startRecording(message.data.recording.session, message.data.recording.options.creationSites);
    }
  }

  private startRecording(session: string, creationSites: boolean): void {
    this.session = session;
    this.stream++;
    this.pageEvent({
      kind: "hello",
      data: {
        protocol: PROTOCOL_VERSION, url: location.href, title: document.title, userAgent: navigator.userAgent,
        timeOrigin: performance.timeOrigin, runtimes: ["shell"], isTopFrame: true, session,
      },
    });
    const recorder = new Recorder({ creationSites });
    this.recorder = recorder;
    recorder.start();
    this.timer = setInterval(() => this.flush(), FLUSH_MS);
    this.programDone = runProgram().then(() => this.flush());
  }

  private flush(): void {
    const recorder = this.recorder;
    if (recorder === null || this.session === null) return;
    // Taking a batch numbers it: take none when there is nothing to send.
    if (recorder.stats().held === 0) return;
    const batch = recorder.takeBatch();
    this.pageEvent({ kind: "batch", data: { session: this.session, stream: this.stream, batch } });
  }

  private stopRecording(): void {
    if (this.recorder === null) return;
    this.recorder.stop();
    this.flush();
    this.recorder = null;
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }
}
