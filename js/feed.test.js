import { test } from "node:test";
import assert from "node:assert/strict";
import {
  escapeHtml,
  feedHtml,
  formatLatency,
  formatTime,
  formatTokens,
  kindClass,
  kindLabel,
  rowHtml,
} from "./dashboard.js";

const row = (over = {}) => ({
  row_id: 1,
  ts: 1700000000,
  kind: "done",
  agent: "writer",
  label: "writer@cell 3",
  model: "offline-small",
  latency_s: 0.4213,
  tokens: 1234,
  similarity: null,
  text: "Summarise the paper",
  ...over,
});

test("prompt text is escaped, never injected as HTML", () => {
  const html = rowHtml(row({ text: '<img src=x onerror="alert(1)">', agent: "a&b" }));
  assert.ok(!html.includes("<img"));
  assert.ok(html.includes("&lt;img src=x onerror=&quot;alert(1)&quot;&gt;"));
  assert.ok(html.includes("a&amp;b"));
  assert.equal(escapeHtml(null), "");
});

test("numbers are formatted for reading", () => {
  assert.equal(formatLatency(0.4213), "0.42 s");
  assert.equal(formatLatency(12.345), "12.3 s");
  assert.equal(formatLatency(null), "");
  assert.equal(formatTokens(1234567), "1,234,567");
  assert.equal(formatTokens(undefined), "");
  const d = new Date(1700000000 * 1000);
  const hh = String(d.getHours()).padStart(2, "0");
  assert.equal(formatTime(1700000000).slice(0, 2), hh);
  assert.match(formatTime(1700000000), /^\d\d:\d\d:\d\d$/);
});

test("a semantic hit shows its similarity; kinds map to css classes", () => {
  assert.equal(kindLabel(row({ kind: "semantic hit", similarity: 0.9312 })), "semantic hit (0.93)");
  assert.equal(kindLabel(row({ kind: "exact hit", similarity: 1 })), "exact hit");
  assert.equal(kindClass("in flight"), "k-in-flight");
  assert.ok(rowHtml(row({ kind: "in flight" })).includes('data-kind="in flight"'));
});

test("the feed keeps the given order and limit, and says so when empty", () => {
  const rows = [row({ row_id: 3, kind: "in flight" }), row({ row_id: 2 }), row({ row_id: 1, kind: "memo hit" })];
  const html = feedHtml(rows, 2);
  const ids = [...html.matchAll(/data-row-id="(\d+)"/g)].map((m) => m[1]);
  assert.deepEqual(ids, ["3", "2"]);
  assert.match(feedHtml([]), /No activity yet/);
  assert.match(feedHtml(undefined), /No activity yet/);
});
