/** Mounts the demo page, then starts the scenario named by `?scenario=`, if any. */
import { render } from "preact";
import { App } from "./app.tsx";
import { DemoController } from "./controller.ts";
import "./styles.css";

const controller = new DemoController();
render(<App controller={controller} />, document.getElementById("app")!);

const requested = new URLSearchParams(location.search).get("scenario");
if (requested !== null && requested !== "") void controller.start(requested);
