/**
 * What an event field's list offers (EventPicker): the loaded events with their counts, most frequent first. Opened
 * by a click or ↓ it lists them all, so a field that already holds a name (a starter, a saved report) still shows
 * the others; once the user types, it keeps the names containing the typed text. A field of several names
 * (comma-separated) completes the name being typed and leaves out the names already in it.
 */
import type { EventName } from '@privacy-analytics/core/analytics';

export interface SuggestionMode {
  /** a comma-separated list of names */
  multiple: boolean;
  /** the list follows what the user types; false: opened to browse every name */
  typed: boolean;
}

/** The name being edited: the whole text, or in a list the part after the last comma. */
export function nameBeingTyped(text: string, multiple: boolean): string {
  return (multiple ? text.slice(text.lastIndexOf(',') + 1) : text).trim();
}

function listedNames(text: string): string[] {
  return text.split(',').map((part) => part.trim()).filter(Boolean);
}

export function suggestEvents(events: readonly EventName[], text: string, mode: SuggestionMode): EventName[] {
  const typed = mode.typed ? nameBeingTyped(text, mode.multiple).toLowerCase() : '';
  const listed = new Set(mode.multiple ? listedNames(mode.typed ? text.slice(0, text.lastIndexOf(',') + 1) : text) : []);
  return events.filter((e) => !listed.has(e.event) && e.event.toLowerCase().includes(typed));
}

/** True when the list would only repeat what the field holds (nothing left to choose). */
export function onlyEcho(suggestions: readonly EventName[], text: string, multiple: boolean): boolean {
  return suggestions.length === 1 && suggestions[0]!.event === nameBeingTyped(text, multiple);
}

/** The field's text after choosing `name`: it, or in a list the typed name completed or the name added at the end. */
export function withSuggestion(text: string, name: string, mode: SuggestionMode): string {
  if (!mode.multiple) return name;
  const names = listedNames(mode.typed ? text.slice(0, text.lastIndexOf(',') + 1) : text);
  return [...names, name].join(', ');
}
