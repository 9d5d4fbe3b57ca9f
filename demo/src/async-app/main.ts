/**
 * The plain async/await page: a button that loads the shop. For automation,
 * `<html data-state="idle|loading|done|error">` and `?run` loads at once.
 */
import { loadShop } from "./shop.ts";

const button = document.querySelector<HTMLButtonElement>("#load")!;
const output = document.querySelector<HTMLOutputElement>("#result")!;
document.documentElement.dataset.state = "idle";

async function onLoadClicked(): Promise<void> {
  document.documentElement.dataset.state = "loading";
  button.disabled = true;
  try {
    const shop = await loadShop(7);
    output.textContent = `${shop.user.name}: ${shop.orders.length} orders, ${shop.recommendations.length} recommendations, `
      + `${shop.notifications} notifications, prices ${shop.prices.join(" → ")}`;
    document.documentElement.dataset.state = "done";
  } catch (error) {
    output.textContent = `failed: ${String(error)}`;
    document.documentElement.dataset.state = "error";
  } finally {
    button.disabled = false;
  }
}

button.addEventListener("click", () => void onLoadClicked());
if (new URLSearchParams(location.search).has("run")) void onLoadClicked();
