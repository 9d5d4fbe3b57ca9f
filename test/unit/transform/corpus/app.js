// A small app of plain async functions, recorded through the transform.
const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function fetchProfile(id) {
  await delay(2);
  return { id };
}

async function fetchPosts(id) {
  await delay(1);
  return [`post of ${id}`];
}

export async function loadUser(id) {
  const profile = await fetchProfile(id);
  const posts = await fetchPosts(id);
  return { profile, posts };
}

export class Service {
  async run() {
    const user = await loadUser(7);
    const both = await Promise.all([fetchProfile(1), fetchPosts(2)]);
    return [user, both.length];
  }
}

export async function failing() {
  await null;
  throw new RangeError("out of range");
}

export function notAsync() {
  return "untouched";
}

async function* ticks(count) {
  for (let k = 0; k < count; k++) {
    await delay(1);
    yield k;
  }
}

export async function consume() {
  const seen = [];
  for await (const k of ticks(2)) seen.push(k);
  return seen;
}

export async function gatherFailing() {
  try {
    await Promise.all([failing(), loadUser(1)]);
  } catch (error) {
    return error.message;
  }
}
