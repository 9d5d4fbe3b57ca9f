import { describe, expect, test } from "vitest";
import { resolvePlainRootPath } from "../../../src/content/native/requests.ts";

describe("a request's URL resolved without the URL parser", () => {
  const bases = ["http://127.0.0.1:5173/", "https://app.example/deep/page.html?q=1#top", "https://user:pw@app.example:8443/a/"];

  test("a plain path from the root gives exactly what the URL parser gives", () => {
    const paths = ["/", "/data?id=b12&bytes=256", "/a/b/c.json", "/api/v1/items;x=1?sort=-name&page=2", "/x?", "/~me/file.tar.gz", "/a:b@c/(d)*+,$!", "/..a/b.", "/a/.b/c"];
    for (const base of bases) {
      for (const path of paths) expect([path, resolvePlainRootPath(path, base)]).toEqual([path, new URL(path, base).href]);
    }
  });

  test("anything the parser would change (or a dot segment even in the query), or a base that is not http(s), is left to the parser", () => {
    const paths = ["/x?a=/b/../c", "//other.example/x", "/\\x", "/a/../b", "/a/./b", "/a/..", "/.", "/a b", "/a#frag", "/é", "/a%2e%2e/b", "/a'b", "/a\tb", "/a\"b", "/{x}", "/a^b", "/a|b", "/a`b", "relative/path", "?q", ""];
    for (const path of paths) expect([path, resolvePlainRootPath(path, bases[0]!)]).toEqual([path, null]);
    for (const base of ["about:blank", "blob:https://app.example/1234", "file:///home/me/page.html", "data:text/html,x"]) {
      expect([base, resolvePlainRootPath("/data", base)]).toEqual([base, null]);
    }
  });
});
