/**
 * A toolbar drop-down's open state: it closes on Escape or on a pointer press outside its
 * root element, as DevTools' own menus do.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import type { RefObject } from "preact";

export function useMenu(): { open: boolean; setOpen(open: boolean): void; root: RefObject<HTMLDivElement> } {
  const [open, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const close = (event: Event): void => {
      if (event instanceof KeyboardEvent ? event.key === "Escape" : !root.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener("pointerdown", close);
    document.addEventListener("keydown", close);
    return () => {
      document.removeEventListener("pointerdown", close);
      document.removeEventListener("keydown", close);
    };
  }, [open]);
  return { open, setOpen, root };
}
