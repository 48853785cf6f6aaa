/** A Prometheus histogram summed over processes: cumulative count per upper bound (`le`), ascending. */
export type Histogram = { buckets: Array<{ le: number; count: number }>; count: number };

/**
 * Scrapes `name` (a histogram) from each /metrics URL and sums the buckets over them (other labels summed
 * too). Undefined when a process does not expose it.
 */
export async function scrapeHistogram(urls: string[], name: string): Promise<Histogram | undefined> {
  const byLe = new Map<number, number>();
  for (const url of urls) {
    let text: string;
    try {
      const res = await fetch(url);
      if (!res.ok) return undefined;
      text = await res.text();
    } catch {
      return undefined;
    }
    let found = false;
    for (const line of text.split('\n')) {
      if (!line.startsWith(`${name}_bucket{`)) continue;
      const le = /le="([^"]+)"/.exec(line)?.[1];
      const value = Number(line.slice(line.lastIndexOf(' ') + 1));
      if (le === undefined || !Number.isFinite(value)) continue;
      const bound = le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le);
      byLe.set(bound, (byLe.get(bound) ?? 0) + value);
      found = true;
    }
    if (!found) return undefined;
  }
  const buckets = [...byLe].map(([le, count]) => ({ le, count })).sort((a, b) => a.le - b.le);
  return { buckets, count: buckets[buckets.length - 1]?.count ?? 0 };
}

/** What was observed between two scrapes. */
export function subtractHistogram(after: Histogram, before: Histogram): Histogram {
  const was = new Map(before.buckets.map((b) => [b.le, b.count]));
  const buckets = after.buckets.map((b) => ({ le: b.le, count: b.count - (was.get(b.le) ?? 0) }));
  return { buckets, count: buckets[buckets.length - 1]?.count ?? 0 };
}

/** The upper bound of the bucket holding quantile q (Infinity: past the last bound); undefined when empty. */
export function histogramQuantile(h: Histogram, q: number): number | undefined {
  if (h.count === 0) return undefined;
  const rank = Math.ceil(q * h.count);
  return h.buckets.find((b) => b.count >= rank)?.le;
}
