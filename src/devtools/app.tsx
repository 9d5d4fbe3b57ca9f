/**
 * The Async panel's UI. It knows nothing of `chrome.*`: the entry point (panel.tsx) wires the
 * extension APIs, so the same component can later be mounted in a plain page for tests.
 */
export function App() {
  return (
    <div class="panel" data-testid="panel-root">
      <div class="toolbar" role="toolbar" aria-label="Recording controls" data-testid="toolbar">
        <button
          type="button"
          class="toolbar-button"
          title="Record (not available yet)"
          aria-label="Record"
          data-testid="record-button"
          disabled
        >
          <svg class="record-icon" viewBox="0 0 20 20" aria-hidden="true">
            <circle cx="10" cy="10" r="6" />
          </svg>
        </button>
        <div class="toolbar-divider" />
      </div>
      <div class="empty-state" data-testid="empty-state">
        <p class="empty-state-text">No recording. Press record to capture async activity.</p>
      </div>
    </div>
  );
}
