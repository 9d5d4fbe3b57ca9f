/**
 * How the panel writes times, counts and ids: one place, so the timeline, the details pane
 * and the statistics agree. Times in a trace are milliseconds with µs precision.
 */
import { localIdOf, pageBundledRuntime, sourceOfId, type RuntimeCopy, type SourceInfo } from "../trace/model.ts";

/** A duration or a time, with a unit that suits its size: "850 µs", "12.4 ms", "3.21 s". */
export function formatTime(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "—";
  const abs = Math.abs(ms);
  if (abs === 0) return "0 ms";
  if (abs < 1) return `${trim((ms * 1000).toFixed(abs < 0.01 ? 1 : 0))} µs`;
  if (abs < 10) return `${trim(ms.toFixed(2))} ms`;
  if (abs < 1000) return `${trim(ms.toFixed(1))} ms`;
  if (abs < 60_000) return `${trim((ms / 1000).toFixed(abs < 10_000 ? 2 : 1))} s`;
  const minutes = Math.floor(ms / 60_000);
  return `${minutes} min ${trim(((ms - minutes * 60_000) / 1000).toFixed(1))} s`;
}

function trim(fixed: string): string {
  return fixed.includes(".") ? fixed.replace(/\.?0+$/, "") : fixed;
}

/** A time ruler label, with as many decimals as the tick step needs. */
export function formatTick(ms: number, stepMs: number): string {
  if (stepMs >= 1000) return `${trim((ms / 1000).toFixed(Math.max(0, -Math.floor(Math.log10(stepMs / 1000)))))} s`;
  if (stepMs >= 1) return `${trim(ms.toFixed(Math.max(0, -Math.floor(Math.log10(stepMs)))))} ms`;
  return `${trim(ms.toFixed(Math.min(3, -Math.floor(Math.log10(stepMs)))))} ms`;
}

export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}

export function formatPercent(fraction: number): string {
  return `${(fraction * 100).toFixed(fraction < 0.1 ? 1 : 0)} %`;
}

/** A task or resource id as its own runtime named it: "#12", or "#12 (frame 1)" for other sources. */
export function formatId(id: number): string {
  const source = sourceOfId(id);
  return source === 0 ? `#${localIdOf(id)}` : `#${localIdOf(id)} (source ${source})`;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** The last path segment of a URL, for short labels ("app.js:12"). */
export function shortFile(url: string): string {
  const path = url.split(/[?#]/, 1)[0] ?? url;
  const slash = path.lastIndexOf("/");
  return slash >= 0 && slash < path.length - 1 ? path.slice(slash + 1) : path;
}

/**
 * Which runtime copies reported into a source, as the details pane says it; null when the
 * trace does not know (recorded without the extension, or an older file). A copy the page
 * bundled is named first: what it reports is the page's own code speaking.
 */
export function describeRuntimes(source: SourceInfo | undefined): string | null {
  const copies = source?.runtimes;
  if (copies === undefined || copies.length === 0) return null;
  const versions = (origin: RuntimeCopy["origin"]): string => copies.filter((c) => c.origin === origin).map((c) => c.version).join(", ");
  const ours = versions("aioscope");
  if (!pageBundledRuntime(source)) return `aioscope's injected runtime (${ours})`;
  const page = `page-bundled runtime (${versions("page")}), reporting through the page hook`;
  return ours === "" ? page : `${page}; aioscope's injected runtime (${ours}) reports in this frame too`;
}

/** A source's label, marked when a runtime the page bundled reported into it. */
export function sourceLabel(source: SourceInfo | undefined, id: number): string {
  const label = source?.label ?? `source ${id}`;
  return pageBundledRuntime(source) ? `${label} · page-bundled runtime` : label;
}
