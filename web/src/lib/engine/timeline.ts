/**
 * Where a visit's time goes: named marks at wall-clock time (performance.timeOrigin + now, so the page's and the
 * workers' marks line up), kept in memory per realm (page, data worker; at most 400 each). `engine.timeline()`
 * returns the page's and the data worker's marks as ms after the page's navigation start. For profiling
 * (scripts/bench/instant-profile.ts), never sent anywhere.
 */
export interface TimelineMark {
  name: string;
  /** ms since the epoch */
  at: number;
}

const marks: TimelineMark[] = [];

export function mark(name: string): void {
  if (marks.length < 400) marks.push({ name, at: performance.timeOrigin + performance.now() });
}

export function timelineMarks(): TimelineMark[] {
  return marks.slice();
}
