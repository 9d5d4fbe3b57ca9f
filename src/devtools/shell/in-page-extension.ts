/**
 * The extension's own parts, run inside the shell's page: the real page agent, the real
 * private channel and `Bridge`, the real background `Router`, joined by in-memory runtime
 * ports — so the shell's panel is fed exactly as in the extension, with only `chrome.runtime`
 * and the DevTools window left out. The page's "app" is the shell's program (program.ts),
 * which the page runs each time a recording starts.
 */
import { Router, type RouterPort } from "../../background/router.ts";
import { Bridge } from "../../content/bridge-relay.ts";
import { agentWall } from "../../content/channel/agent-port.ts";
import { offerChannel } from "../../content/channel/handshake.ts";
import type { PageHook } from "../../content/install-hook.ts";
import { PageAgent } from "../../content/page-agent.ts";
import {
  BRIDGE_PORT, PANEL_PORT, type BackgroundToPanelMessage, type BridgeToPageMessage, type PageEvent, type PanelToBackgroundMessage, type Wall,
} from "../../protocol/messages.ts";

/** The tab the shell's page stands for. */
export const SHELL_TAB_ID = 1;

type Sender = RouterPort["sender"];

/** One end of an in-memory runtime port: messages are cloned and arrive later, as the browser's do. */
class MemoryPort implements RouterPort {
  peer: MemoryPort | null = null;
  private open = true;
  private readonly messageListeners: ((message: unknown) => void)[] = [];
  private readonly disconnectListeners: (() => void)[] = [];
  readonly onMessage = { addListener: (listener: (message: unknown) => void): void => void this.messageListeners.push(listener) };
  readonly onDisconnect = { addListener: (listener: () => void): void => void this.disconnectListeners.push(listener) };

  constructor(readonly name: string, readonly sender?: Sender) {}

  postMessage(message: unknown): void {
    if (!this.open) throw new Error("Attempting to use a disconnected port object");
    const copy = structuredClone(message);
    const peer = this.peer!;
    queueMicrotask(() => peer.deliver(copy));
  }

  /** As in Chrome, only the other end hears about a disconnect. */
  disconnect(): void {
    if (!this.open) return;
    this.open = false;
    const peer = this.peer!;
    queueMicrotask(() => peer.peerDisconnected());
  }

  private deliver(message: unknown): void {
    if (this.open) for (const listener of this.messageListeners) listener(message);
  }

  private peerDisconnected(): void {
    if (!this.open) return;
    this.open = false;
    for (const listener of this.disconnectListeners) listener();
  }
}

export interface InPageExtension {
  /** The panel's port to the background, as the panel's store wants it. */
  readonly panelWall: Wall<BackgroundToPanelMessage, PanelToBackgroundMessage>;
  /** Resolves when the program started by the latest recording has finished. */
  readonly programDone: Promise<void>;
}

export interface InPageExtensionOptions {
  readonly hook: PageHook;
  /** The page's work, run each time a recording starts. */
  runProgram(): Promise<void>;
}

export function startInPageExtension(options: InPageExtensionOptions): InPageExtension {
  // The panel's address is the one the router accepts a panel port from.
  const panelUrl = `${location.origin}${location.pathname}`;
  const router = new Router({ setTimer: (callback, ms) => void setTimeout(callback, ms), panelUrl });
  const connect = (name: string, sender: Sender): MemoryPort => {
    const client = new MemoryPort(name);
    const worker = new MemoryPort(name, sender);
    client.peer = worker;
    worker.peer = client;
    router.connect(worker);
    return client;
  };

  // As in a tab: the bridge listens first, then the agent offers the private channel.
  const channelTarget = new EventTarget();
  new Bridge({
    connect: () => connect(BRIDGE_PORT, { tab: { id: SHELL_TAB_ID }, frameId: 0, documentId: "shell-document", url: location.href }),
    setTimer: (callback, ms) => void setTimeout(callback, ms),
    channelTarget,
    window,
  });
  const port = offerChannel(channelTarget);
  if (port === null) throw new Error("the shell's bridge did not take the private channel");

  const state: { programDone: Promise<void> } = { programDone: Promise.resolve() };
  // The page starts its program once per session, as soon as the agent records it: the agent
  // hears "start" first. (A session's start comes again after the agent's hellos and after a
  // panel re-attaches: those are the same session.)
  const wall = agentWall(port);
  let programSession: string | null = null;
  const pageWall: Wall<BridgeToPageMessage, PageEvent> = {
    listen: (listener) => wall.listen((message) => {
      listener(message);
      if (message.kind !== "start" || message.data.session === programSession) return;
      programSession = message.data.session;
      state.programDone = options.runProgram();
    }),
    send: (message) => wall.send(message),
  };
  new PageAgent(pageWall, options.hook, {
    hello: () => ({ url: location.href, title: document.title, userAgent: navigator.userAgent, timeOrigin: performance.timeOrigin, isTopFrame: true }),
    setTimer: (callback, ms) => setTimeout(callback, ms),
    clearTimer: (timer) => clearTimeout(timer as number),
  });

  const panelPort = connect(PANEL_PORT, { url: panelUrl });
  const listeners = new Set<(message: BackgroundToPanelMessage) => void>();
  panelPort.onMessage.addListener((message) => {
    for (const listener of listeners) listener(message as BackgroundToPanelMessage);
  });
  return {
    panelWall: {
      listen(listener) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
      send: (message) => panelPort.postMessage(message),
    },
    get programDone() {
      return state.programDone;
    },
  };
}
