import type { SavedItem, SavedReports } from './saved-reports';
import { errorMessage } from '../state/errors';

/** One view's saved reports (IndexedDB): the list to open or delete, and saving under a name. */
export class SavedReportList {
  #items = $state.raw<SavedItem[]>([]);
  #error = $state<string | null>(null);
  #store: SavedReports;
  readonly view: string;

  constructor(store: SavedReports, view: string) {
    this.#store = store;
    this.view = view;
  }

  get items(): readonly SavedItem[] {
    return this.#items;
  }
  get error(): string | null {
    return this.#error;
  }

  async refresh(): Promise<void> {
    try {
      this.#items = await this.#store.list('report', this.view);
      this.#error = null;
    } catch (error) {
      this.#error = `could not read the saved reports: ${errorMessage(error)}`;
    }
  }

  /** Saves (or replaces, by name) the report; false with `error` set when it failed. */
  async save(name: string, spec: unknown): Promise<boolean> {
    try {
      await this.#store.save('report', this.view, name, spec);
      await this.refresh();
      return true;
    } catch (error) {
      this.#error = `could not save the report: ${errorMessage(error)}`;
      return false;
    }
  }

  async remove(id: number): Promise<void> {
    try {
      await this.#store.remove(id);
      await this.refresh();
    } catch (error) {
      this.#error = `could not delete the report: ${errorMessage(error)}`;
    }
  }

  /** Shows a problem that arose outside the store (e.g. a saved spec that no longer parses). */
  fail(message: string): void {
    this.#error = message;
  }

  clearError(): void {
    this.#error = null;
  }
}
