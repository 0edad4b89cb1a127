import { test } from "node:test";
import assert from "node:assert/strict";
import { cardsHtml, tableHtml, textHtml } from "./dashboard.js";

test("cards carry data-metric keys and escape their text", () => {
  const html = cardsHtml([{ key: "memo_hits", caption: "memo <hits>", value: "3" }]);
  assert.match(html, /data-metric="memo_hits">3</);
  assert.match(html, /memo &lt;hits&gt;/);
  assert.equal(cardsHtml(undefined), '<div class="pllm-cards"></div>');
});

test("tables escape every cell and say when they are empty", () => {
  const html = tableHtml(["cell", "reason"], [["cell:1", "<b>input 'x' changed</b>"]]);
  assert.match(html, /<th>cell<\/th><th>reason<\/th>/);
  assert.match(html, /&lt;b&gt;input &#39;x&#39; changed&lt;\/b&gt;/);
  assert.match(tableHtml(["a"], [], "no memoized cell has run yet"), /no memoized cell has run yet/);
  const clickable = tableHtml(["cell"], [["In [2] a"], ["In [3] b"]], "", [7, null]);
  assert.match(clickable, /<tr class="clickable" data-row-id="7"><td>In \[2\] a<\/td><\/tr><tr><td>In \[3\] b/);
});

test("text blocks are preformatted and escaped", () => {
  assert.equal(textHtml(""), "");
  assert.match(textHtml('{"a": "<x>"}'), /<pre class="pllm-entry">\{&quot;a&quot;: &quot;&lt;x&gt;&quot;\}<\/pre>/);
});
