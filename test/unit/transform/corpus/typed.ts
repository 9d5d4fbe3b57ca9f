// A TypeScript module for the bundler plugins: creation sites must point at these lines.
interface Item {
  readonly id: number;
}

export async function loadItems(ids: readonly number[]): Promise<Item[]> {
  const items: Item[] = [];
  for (const id of ids) items.push(await loadItem(id));
  return items;
}

const loadItem = async (id: number): Promise<Item> => {
  await new Promise<void>((resolve) => setTimeout(resolve, 1));
  return { id };
};
