import { test } from "node:test";
import assert from "node:assert/strict";
import { componentHtml, parseData, partModel } from "./dashboard.js";

test("data arrives as JSON; a malformed push draws as empty instead of failing", () => {
  assert.deepEqual(parseData('{"rows": [1]}'), { rows: [1] });
  assert.deepEqual(parseData("not json"), {});
  assert.deepEqual(parseData(""), {});
  assert.deepEqual(parseData("null"), {});
});

test("the kind picks what is drawn", () => {
  const live = componentHtml("live", {
    headlines: [{ key: "memo_hits", caption: "memo hits", value: "2" }],
    hit_rate: [0.5],
    similarities: [0.95],
    miss_similarities: [],
    threshold: 0.9,
    feed: [],
    limit: 100,
    cell_columns: ["cell"],
    cells: [["cell:1"]],
  });
  assert.match(live, /data-metric="memo_hits">2</);
  assert.match(live, /data-points="1"/);
  assert.match(live, /class="threshold"/);
  assert.match(live, /No activity yet/);
  assert.match(live, /<td>cell:1<\/td>/);
  assert.match(componentHtml("live", {}), /no memoized cell has run yet/);
  assert.match(componentHtml("table", { columns: ["a"], rows: [["x"]] }), /<td>x<\/td>/);
  assert.match(componentHtml("text", { text: "hello" }), /<pre class="pllm-entry">hello<\/pre>/);
  assert.match(componentHtml("table", undefined), /nothing yet/);
});

test("an anywidget model reads like a Panel one: get() for values, change: events", () => {
  const values = { kind: "text", data: '{"text": "hi"}' };
  const handlers = {};
  const widget = { get: (k) => values[k], on: (e, fn) => (handlers[e] = fn), save_changes() {} };
  const part = partModel(widget);
  assert.equal(part.kind, "text");
  assert.equal(componentHtml(part.kind, parseData(part.data)), '<pre class="pllm-entry">hi</pre>');
  let drawn = 0;
  part.on("data", () => drawn++);
  handlers["change:data"]();
  assert.equal(drawn, 1);
  const panelModel = { kind: "live", data: "{}", on() {} };
  assert.equal(partModel(panelModel), panelModel);
});
