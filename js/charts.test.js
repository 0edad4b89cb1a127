import { test } from "node:test";
import assert from "node:assert/strict";
import {
  callLanes,
  formatSpan,
  histogramBins,
  histogramSvg,
  savedChart,
  similarityChart,
  stepPoints,
  timelineChart,
} from "./dashboard.js";

test("the saved series steps up at each point and runs on to now", () => {
  const series = [
    [100, 0, 0],
    [110, 2, 0.01],
  ];
  assert.equal(stepPoints(series, 1, 2, 100, 20, 100, 40, 120), "0,40 0,40 50,40 50,0 100,0");
});

test("the saved chart prints both totals, or says nothing was saved", () => {
  const html = savedChart([[100, 0.5, 0], [160, 12.5, 0.0123]]);
  assert.match(html, /time 12\.5 s/);
  assert.match(html, /money \$0\.0123/);
  assert.equal((html.match(/<polyline/g) || []).length, 2);
  assert.match(html, /<span>61.8 s<\/span>/); // a little room after the last step
  assert.equal(formatSpan(150), "2.5 min");
  assert.match(savedChart([[100, 0, 0]]), /nothing saved yet/);
  assert.match(savedChart([[100, 0, 0], [160, 2, 0.01]]), /2 s and \$0\.0100, all saved at \d\d:\d\d:\d\d/);
  assert.match(savedChart(undefined), /nothing saved yet/);
  assert.equal(formatSpan(45), "45 s");
});

test("calls running at once get their own lanes; a lane is reused once free", () => {
  const calls = [
    [0, 2, "done"],
    [1, 3, "done"],
    [2.5, 4, "done"],
    [5, null, "in flight"],
  ];
  const { lanes, count } = callLanes(calls, 6);
  assert.deepEqual(lanes, [0, 1, 0, 0]);
  assert.equal(count, 2);
});

test("the timeline draws one bar per call and names the slowest", () => {
  const calls = [
    [100, 100.5, "done"],
    [100.1, 103.2, "semantic hit"],
    [101, null, "in flight"],
  ];
  const html = timelineChart(calls, 104);
  assert.equal((html.match(/<rect class="call /g) || []).length, 3);
  assert.match(html, /class="call k-semantic-hit"/);
  assert.match(html, /3 calls/);
  assert.match(html, /at most 2 at once/);
  assert.match(html, /slowest 3\.10 s/);
  assert.match(timelineChart([], 0), /no LLM call yet/);
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
  assert.match(similarityChart([0.93], [0.7, 0.8], 0.9), /1 hit<.*2 near misses<.*threshold 0\.90/);
  assert.match(similarityChart([], [], 0.9), /no semantic lookup yet/);
});
