/**
 * The toolbar's "kept recordings" button: the same list as the empty panel shows, in a
 * drop-down, so a kept recording can be opened while another session is on screen.
 */
import { useMenu } from "../use-menu.ts";
import { SavedList, type SavedListProps } from "./saved-list.tsx";

export function SavedMenu(props: SavedListProps) {
  const { open, setOpen, root } = useMenu();
  return (
    <div class="menu-anchor" ref={root}>
      <button
        type="button"
        class="toolbar-button"
        title="Kept recordings"
        aria-label="Kept recordings"
        aria-expanded={open}
        data-testid="saved-button"
        onClick={() => setOpen(!open)}
      >
        <svg viewBox="0 0 20 20" aria-hidden="true">
          <path d="M10 3a7 7 0 1 1-6.93 8h1.52A5.5 5.5 0 1 0 6.1 6.1L8 8H3V3l2.04 2.04A6.97 6.97 0 0 1 10 3zm-.75 3.5h1.5v3.19l2.28 2.28-1.06 1.06-2.72-2.72V6.5z" />
        </svg>
      </button>
      {open && (
        <div class="menu saved-menu" data-testid="saved-menu">
          <SavedList {...props} onOpen={(recording) => {
            setOpen(false);
            props.onOpen(recording);
          }} empty="No kept recordings yet: recordings are kept as they are made." />
        </div>
      )}
    </div>
  );
}
