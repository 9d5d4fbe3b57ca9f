/**
 * What the panel's UI needs from its host, handed in by the entry point: the extension
 * (panel.tsx) passes DevTools' and the browser's, the inline shell passes its own. The UI
 * itself never touches `chrome.*`.
 */
import type { CreationSite } from "../trace/model.ts";
import type { AutomationHub } from "./automation.ts";
import type { ExportedFile } from "./io/export.ts";
import type { Importer } from "./io/importer.ts";
import type { RecordingStorage } from "./storage/recordings-db.ts";

export interface PanelServices {
  readonly importer: Importer;
  /** Where recordings are kept; null keeps nothing. */
  readonly storage: RecordingStorage | null;
  /** Opens a creation site in DevTools' Sources panel; null where there is none. */
  readonly openSite: ((site: CreationSite) => void) | null;
  readonly download: (file: ExportedFile) => void;
  readonly automation: AutomationHub | null;
}
