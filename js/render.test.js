import { test } from "node:test";
import assert from "node:assert/strict";
import { componentHtml, detailHtml, parseData, partModel, rowDetail } from "./dashboard.js";

test("data arrives as JSON; a malformed push draws as empty instead of failing", () => {
  assert.deepEqual(parseData('{"rows": [1]}'), { rows: [1] });
  assert.deepEqual(parseData("not json"), {});
  assert.deepEqual(parseData(""), {});
  assert.deepEqual(parseData("null"), {});
});

test("the kind picks what is drawn; the similarity chart only with a semantic cache", () => {
  const data = {
    headlines: [{ key: "memo_hits", caption: "memo hits", value: "2" }],
    saved: [[100, 0, 0], [101, 1.5, 0.002], [102, 2, 0.003]],
    timeline: [[100, 101, "done"]],
    now: 102,
    similarities: [0.95],
    miss_similarities: [],
    threshold: 0.9,
    feed: [],
    limit: 100,
    cell_columns: ["cell"],
    cells: [["In [3] load the data"]],
  };
  const live = componentHtml("live", data);
  assert.match(live, /data-metric="memo_hits">2</);
  assert.match(live, /class="saved"/);
  assert.match(live, /data-calls="1"/);
  assert.doesNotMatch(live, /class="threshold"/);
  assert.match(componentHtml("live", { ...data, semantic: true }), /class="threshold"/);
  assert.match(live, /No activity yet/);
  assert.match(live, /<td>In \[3\] load the data<\/td>/);
  assert.match(componentHtml("live", { ...data, cell_row_ids: [9] }), /<tr class="clickable" data-row-id="9"><td>In \[3\]/);
  assert.match(componentHtml("live", {}), /no memoized cell has run yet/);
  assert.match(componentHtml("table", { columns: ["a"], rows: [["x"]] }), /<td>x<\/td>/);
  assert.match(componentHtml("text", { text: "hello" }), /<pre class="pllm-entry">hello<\/pre>/);
  assert.match(componentHtml("table", undefined), /nothing yet/);
});

test("a row's detail: what the row knows at once, then the kernel's answer, all escaped", () => {
  const row = { row_id: 4, ts: 1700000000, kind: "memo miss", label: "cell:a", cell: "In [2] <load>", reason: "input 'n' changed", text: "x" };
  const quick = detailHtml(rowDetail(row), true);
  assert.doesNotMatch(detailHtml(rowDetail({ kind: "memo", cell: "In [2] x" })), /NaN|when/);
  assert.match(quick, /why it missed<\/dt><dd>input &#39;n&#39; changed/);
  assert.match(quick, /In \[2\] &lt;load&gt;/);
  assert.match(quick, /reading the rest from the kernel/);
  const full = detailHtml({
    title: "done",
    fields: [["tokens", "12 in, 30 out"]],
    inputs: [["input n", "3f2a"]],
    sections: [["prompt", "user: <b>hi</b>"], ["answer", "hello"]],
  });
  assert.match(full, /<pre class="prompt">user: &lt;b&gt;hi&lt;\/b&gt;<\/pre>/);
  assert.match(full, /inputs of the stored run/);
  assert.doesNotMatch(full, /reading the rest/);
});

test("an anywidget model reads like a Panel one: values, change events and messages both ways", () => {
  const values = { kind: "text", data: '{"text": "hi"}' };
  const handlers = {};
  const sent = [];
  const widget = { get: (k) => values[k], on: (e, fn) => (handlers[e] = fn), send: (m) => sent.push(m), save_changes() {} };
  const part = partModel(widget);
  assert.equal(part.widget, true);
  assert.equal(part.kind, "text");
  assert.equal(componentHtml(part.kind, parseData(part.data)), '<pre class="pllm-entry">hi</pre>');
  let drawn = 0;
  part.on("data", () => drawn++);
  handlers["change:data"]();
  assert.equal(drawn, 1);
  part.send({ event: "detail", row: 1 });
  assert.deepEqual(sent, [{ event: "detail", row: 1 }]);
  const panelSent = [];
  const panelHandlers = {};
  const panelModel = { kind: "live", data: "{}", on: (e, fn) => (panelHandlers[e] = fn), send_msg: (m) => panelSent.push(m) };
  const panelPart = partModel(panelModel);
  assert.equal(panelPart.widget, false);
  assert.equal(panelPart.kind, "live");
  panelPart.send({ event: "detail", row: 2 });
  panelPart.onMessage(() => {});
  panelPart.on("data", () => {});
  assert.deepEqual(panelSent, [{ event: "detail", row: 2 }]);
  assert.deepEqual(Object.keys(panelHandlers).sort(), ["data", "msg:custom"]);
});
