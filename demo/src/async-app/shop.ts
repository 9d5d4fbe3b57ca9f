/**
 * A shop page's data loading, written as people write it: plain async functions, a class
 * with async methods, an async generator, a retry. Nothing here knows about aioscope; the
 * build plugin makes each call visible. The "server" answers after a delay (timers), so the
 * page works from any static host.
 */
export interface User { readonly id: number; readonly name: string }
export interface Order { readonly id: number; readonly total: number }
export interface Shop {
  readonly user: User;
  readonly orders: readonly Order[];
  readonly recommendations: readonly string[];
  readonly notifications: number;
  readonly prices: readonly number[];
}

function respond<T>(value: T, ms: number): Promise<T> {
  return new Promise((resolve) => setTimeout(() => resolve(value), ms));
}

async function fetchUser(id: number): Promise<User> {
  return await respond({ id, name: `user ${id}` }, 40);
}

class OrderService {
  async recentOrders(user: User): Promise<Order[]> {
    const ids = await respond(user.id > 0 ? [1, 2, 3] : [], 30);
    return Promise.all(ids.map((id) => this.order(id)));
  }

  async order(id: number): Promise<Order> {
    return await respond({ id, total: id * 10 }, 10 + id * 5);
  }
}

const fetchRecommendations = async (user: User): Promise<string[]> => {
  await respond(null, 25);
  return [`for ${user.name}: tea`, "biscuits"];
};

let flakyCalls = 0;

async function fetchNotifications(): Promise<number> {
  flakyCalls++;
  await respond(null, 15);
  if (flakyCalls % 2 === 1) throw new Error("notifications are busy");
  return 3;
}

async function withRetry<T>(attempt: () => Promise<T>): Promise<T> {
  try {
    return await attempt();
  } catch {
    await respond(null, 10);
    return await attempt();
  }
}

async function* priceUpdates(count: number): AsyncGenerator<number> {
  for (let k = 1; k <= count; k++) yield await respond(k * 1.5, 8);
}

/** Loads everything the page shows: the user first, then the rest. */
export async function loadShop(userId: number): Promise<Shop> {
  const user = await fetchUser(userId);
  // Sequential on purpose: the orders do not depend on the recommendations.
  const orders = await new OrderService().recentOrders(user);
  const recommendations = await fetchRecommendations(user);
  const notifications = await withRetry(fetchNotifications);
  const prices: number[] = [];
  for await (const price of priceUpdates(3)) prices.push(price);
  return { user, orders, recommendations, notifications, prices };
}
