export type ThemePreference = 'system' | 'light' | 'dark';
export type ResolvedTheme = 'light' | 'dark';

const STORAGE_KEY = 'pa-theme';

/**
 * Light or dark: follows `prefers-color-scheme` until the user picks one with the toggle; the pick is kept in
 * localStorage (a display preference, not data).
 */
export class ThemeState {
  #preference = $state<ThemePreference>('system');
  #systemDark = $state(false);
  #storage: Pick<Storage, 'getItem' | 'setItem'> | null;

  constructor(options: { storage?: Pick<Storage, 'getItem' | 'setItem'> | null; media?: MediaQueryList | null } = {}) {
    this.#storage = options.storage === undefined ? safeLocalStorage() : options.storage;
    const saved = this.#storage?.getItem(STORAGE_KEY);
    if (saved === 'light' || saved === 'dark' || saved === 'system') this.#preference = saved;
    const media = options.media === undefined ? (typeof matchMedia === 'function' ? matchMedia('(prefers-color-scheme: dark)') : null) : options.media;
    if (media) {
      this.#systemDark = media.matches;
      media.addEventListener('change', (e) => (this.#systemDark = e.matches));
    }
  }

  get preference(): ThemePreference {
    return this.#preference;
  }

  get resolved(): ResolvedTheme {
    if (this.#preference === 'system') return this.#systemDark ? 'dark' : 'light';
    return this.#preference;
  }

  set(preference: ThemePreference): void {
    this.#preference = preference;
    this.#storage?.setItem(STORAGE_KEY, preference);
  }

  /** Switches to the opposite of what is shown now. */
  toggle(): void {
    this.set(this.resolved === 'dark' ? 'light' : 'dark');
  }
}

function safeLocalStorage(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;
  }
}
