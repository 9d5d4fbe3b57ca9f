/**
 * The building blocks of the details pane: a name/value row and a collapsible section.
 */
import type { ComponentChildren } from "preact";

export function Field({ name, testid, children }: { name: string; testid: string; children: ComponentChildren }) {
  return (
    <>
      <dt>{name}</dt>
      <dd data-testid={`details-${testid}`}>{children}</dd>
    </>
  );
}

export function Section({ title, count, children, open = true }: { title: string; count?: number; children: ComponentChildren; open?: boolean }) {
  return (
    <details class="details-section" open={open}>
      <summary>
        {title}
        {count !== undefined && <span class="details-count">{count}</span>}
      </summary>
      {children}
    </details>
  );
}

/** Closes the pane (deselects the task). */
export function CloseButton({ onClose }: { onClose(): void }) {
  return (
    <button type="button" class="details-close" aria-label="Close details" title="Close (Esc)" data-testid="details-close" onClick={onClose}>×</button>
  );
}
