import type { Express } from 'express';
import request from 'supertest';

// A small parser of the Prometheus text exposition format (version 0.0.4), strict enough to fail on a
// malformed line: comments are # HELP / # TYPE, every other line is `name{label="value",...} number`.

export type Sample = { name: string; labels: Record<string, string>; value: number };

// Values as Go's ParseFloat reads them (Prometheus does): NaN and Inf in any letter case (prom-client writes Nan).
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (-?[0-9.eE+-]+|[nN][aA][nN]|[+-]?[iI][nN][fF])( -?\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)/gy;
const COMMENT = /^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+$/;

export function parsePrometheusText(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      if (!COMMENT.test(line)) throw new Error(`bad comment line: ${line}`);
      continue;
    }
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`bad sample line: ${line}`);
    const labels: Record<string, string> = {};
    const body = m[3] ?? '';
    LABEL.lastIndex = 0;
    let consumed = 0;
    for (let l = LABEL.exec(body); l; l = LABEL.exec(body)) {
      labels[l[1] as string] = (l[2] as string).replace(/\\(.)/g, (_s, c) => (c === 'n' ? '\n' : c));
      consumed = LABEL.lastIndex;
    }
    if (consumed !== body.length) throw new Error(`bad labels: ${line}`);
    samples.push({ name: m[1] as string, labels, value: Number(m[4]) });
  }
  return samples;
}

/** The value of one sample (0 when absent), matching every given label. */
export function sampleValue(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return found.reduce((sum, s) => sum + s.value, 0);
}

/** GET /metrics of an app: 200 in the Prometheus text format (version 0.0.4), parsed. */
export async function scrapeMetrics(app: Express): Promise<Sample[]> {
  const res = await request(app).get('/metrics');
  expect(res.status).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
  return parsePrometheusText(res.text);
}

/** Scrapes until check passes or `ms` have gone by; returns the last scrape (the caller asserts on it). */
export async function scrapeMetricsUntil(app: Express, check: (m: Sample[]) => boolean, ms = 5_000): Promise<Sample[]> {
  const deadline = Date.now() + ms;
  let m = await scrapeMetrics(app);
  while (!check(m) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    m = await scrapeMetrics(app);
  }
  return m;
}
