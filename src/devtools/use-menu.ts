/**
 * A toolbar drop-down's open state: it closes on a pointer press outside its root element, and
 * on Escape through `closeOpenMenus` (the panel's keyboard shortcuts own the key, so that one
 * press closes the menu and nothing else: neither the selection nor DevTools' drawer).
 */
import { useLayoutEffect, useRef, useState } from "preact/hooks";
import type { RefObject } from "preact";

/** How to close each menu open now: a panel has one document, and its menus share it. */
const openMenus = new Set<() => void>();

/** Closes every open menu; says whether there was one. */
export function closeOpenMenus(): boolean {
  if (openMenus.size === 0) return false;
  for (const close of [...openMenus]) close();
  return true;
}

export function useMenu(): { open: boolean; setOpen(open: boolean): void; root: RefObject<HTMLDivElement> } {
  const [open, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);
  // A layout effect: the menu answers Escape from the frame it is drawn in.
  useLayoutEffect(() => {
    if (!open) return;
    const close = (): void => {
      openMenus.delete(close);
      setOpen(false);
    };
    const closeOutside = (event: Event): void => {
      if (!root.current?.contains(event.target as Node)) close();
    };
    openMenus.add(close);
    document.addEventListener("pointerdown", closeOutside);
    return () => {
      openMenus.delete(close);
      document.removeEventListener("pointerdown", closeOutside);
    };
  }, [open]);
  return { open, setOpen, root };
}
