import { test } from "node:test";
import assert from "node:assert/strict";
import { histogramBins, histogramSvg, sparklinePoints, sparklineSvg } from "./dashboard.js";

test("sparkline points span the width with 1 at the top and 0 at the bottom", () => {
  assert.equal(sparklinePoints([0, 0.5, 1], 100, 40), "0,40 50,20 100,0");
  assert.equal(sparklinePoints([], 100, 40), "");
  assert.equal(sparklinePoints([2, -1, NaN], 10, 10), "0,0 10,10");
});

test("the sparkline prints the latest hit rate", () => {
  assert.match(sparklineSvg([0.2, 0.75]), />75%</);
  assert.match(sparklineSvg([]), />–</);
  assert.match(sparklineSvg([0.1, 0.2, 0.3]), /data-points="3"/);
});

test("histogram bins count values and clamp the edges", () => {
  assert.deepEqual(histogramBins([0.91, 0.92, 0.99, 1.0, 0.1], 0.5, 1.0, 5), [1, 0, 0, 0, 4]);
  assert.deepEqual(histogramBins([], 0, 1, 3), [0, 0, 0]);
});

test("histogram draws hit bars, near-miss bars and the threshold line", () => {
  const svg = histogramSvg([0.93, 0.95], [0.7], 0.9, 250, 60, 0.5, 1.0, 25);
  assert.equal((svg.match(/class="hit"/g) || []).length, 2);
  assert.equal((svg.match(/class="miss"/g) || []).length, 1);
  assert.match(svg, /class="threshold" x1="200"/);
  assert.doesNotMatch(histogramSvg([], [], null), /threshold/);
});
