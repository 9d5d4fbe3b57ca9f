/**
 * The filter by kind, in the toolbar: a drop-down of the kinds the session has (runtime tasks,
 * requests, script loads, workers, timers…), each checkable, as DevTools' Console does with
 * its levels. The button says what is shown ("All kinds", "3 of 5 kinds").
 */
import { useMenu } from "./use-menu.ts";
import { useTheme } from "./use-theme.ts";
import { paletteFor } from "./timeline/palette.ts";
import { ROW_KIND_LABELS, type RowKind } from "./timeline/kind-filter.ts";

export interface KindFilterProps {
  /** The kinds the session has, in order. */
  readonly present: readonly RowKind[];
  readonly hidden: ReadonlySet<RowKind>;
  onChange(hidden: ReadonlySet<RowKind>): void;
}

export function KindFilterMenu({ present, hidden, onChange }: KindFilterProps) {
  const { open, setOpen, root } = useMenu();
  const palette = paletteFor(useTheme());
  const shown = present.filter((kind) => !hidden.has(kind)).length;
  const title = shown === present.length ? "All kinds" : `${shown} of ${present.length} kinds`;
  const toggle = (kind: RowKind): void => {
    const next = new Set(hidden);
    if (!next.delete(kind)) next.add(kind);
    onChange(next);
  };
  return (
    <div class="menu-anchor" ref={root}>
      <button
        type="button"
        class={`toolbar-dropdown${shown < present.length ? " active" : ""}`}
        title="Show only some kinds of rows"
        aria-haspopup="menu"
        aria-expanded={open}
        data-testid="kind-filter-button"
        disabled={present.length === 0}
        onClick={() => setOpen(!open)}
      >
        {title}
        <svg viewBox="0 0 20 20" aria-hidden="true"><path d="M6 8l4 4 4-4z" /></svg>
      </button>
      {open && (
        <div class="menu kind-menu" role="menu" data-testid="kind-filter-menu">
          {present.map((kind) => (
            <label key={kind} class="menu-item kind-item" role="menuitemcheckbox" aria-checked={!hidden.has(kind)} data-testid={`kind-${kind}`}>
              <input type="checkbox" checked={!hidden.has(kind)} onChange={() => toggle(kind)} />
              <span class="legend-swatch legend-bar" style={{ "--swatch": kind === "tasks" ? palette.running : palette.native[kind] }} />
              <span class="kind-name">{ROW_KIND_LABELS[kind]}</span>
            </label>
          ))}
          {hidden.size > 0 && (
            <button type="button" role="menuitem" class="menu-item" data-testid="kind-filter-all" onClick={() => onChange(new Set())}>
              Show all kinds
            </button>
          )}
        </div>
      )}
    </div>
  );
}
