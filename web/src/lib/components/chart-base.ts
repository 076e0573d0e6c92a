import type { ResolvedTheme } from '../state/theme.svelte.ts';
import type { ChartOption } from './echarts-setup';

/** What every chart of the dashboard shares: font, palette, text colour per theme, no animation. */
const FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
/** One palette for every view, so that a series (a channel, a browser) keeps its colour across them. */
export const PALETTE = ['#3b6fd8', '#e0823d', '#3fa57a', '#c0504d', '#8064a2', '#4bacc6', '#9c8b3c', '#d16ba5', '#6b7a8f', '#5aa02c'];
/** Drop-off, in both themes: a red that keeps contrast on white and on the dark surface. */
export const DROP_OFF_COLOR = '#d9534f';

export function textColor(theme: ResolvedTheme): string {
  return theme === 'dark' ? '#d7dbe3' : '#2a2f3a';
}

export function chartBase(theme: ResolvedTheme): ChartOption {
  return {
    backgroundColor: 'transparent',
    color: PALETTE,
    textStyle: { fontFamily: FONT, color: textColor(theme) },
    // drawn once: an entrance animation redraws every chart on each frame for its length, on the page's one thread,
    // while the overview's answers wait behind it (a warm open drew six charts for about 0.9 s of CPU)
    animation: false,
  };
}
