import type { SavedItem, SavedReports } from '../../reports/saved-reports';
import { errorMessage } from '../errors';

/** One view's saved reports (IndexedDB via SavedReports): the list, and save / remove with their errors. */
export class SavedSpecs {
  #items = $state.raw<SavedItem[]>([]);
  #error = $state<string | null>(null);
  #saved: SavedReports;
  readonly view: string;

  constructor(saved: SavedReports, view: string) {
    this.#saved = saved;
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
      this.#items = await this.#saved.list('report', this.view);
      this.#error = null;
    } catch (error) {
      this.#error = `could not read the saved reports: ${errorMessage(error)}`;
    }
  }

  async save(name: string, spec: unknown): Promise<boolean> {
    try {
      await this.#saved.save('report', this.view, name, spec);
      await this.refresh();
      return true;
    } catch (error) {
      this.#error = errorMessage(error);
      return false;
    }
  }

  async remove(id: number): Promise<void> {
    try {
      await this.#saved.remove(id);
      await this.refresh();
    } catch (error) {
      this.#error = errorMessage(error);
    }
  }
}
