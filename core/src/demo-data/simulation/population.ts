/** Who the persons are: countries with their lookup tables, acquisition channels, daily rhythm, traits. */
import { COUNTRIES, type CountrySpec, type DeviceType, type FestivalGroup } from '../geo';
import type { Channel } from '../ground-truth';
import { WeightedTable } from '../random';

/** Per-country derived lookup tables (built once). */
export interface CountryTables {
  readonly spec: CountrySpec;
  readonly locales: WeightedTable<string>;
  readonly devices: WeightedTable<DeviceType>;
  readonly search: WeightedTable<string>;
  readonly social: WeightedTable<string>;
  readonly channels: WeightedTable<Channel>;
}

const ACQUISITION: Record<FestivalGroup, ReadonlyArray<readonly [Channel, number]>> = {
  cn: [['organic_search', 0.22], ['paid_search', 0.18], ['social', 0.3], ['direct', 0.12], ['referral', 0.1], ['display', 0.06], ['email', 0.02]],
  west: [['organic_search', 0.3], ['paid_search', 0.2], ['social', 0.16], ['direct', 0.14], ['referral', 0.08], ['display', 0.09], ['email', 0.03]],
  asia: [['organic_search', 0.28], ['paid_search', 0.2], ['social', 0.2], ['direct', 0.14], ['referral', 0.08], ['display', 0.08], ['email', 0.02]],
};

const COUNTRY_TABLES: readonly CountryTables[] = COUNTRIES.map((spec) => ({
  spec,
  locales: WeightedTable.of(spec.locales),
  devices: new WeightedTable<DeviceType>(['desktop', 'mobile', 'tablet'], spec.devices),
  search: WeightedTable.of(spec.search),
  social: WeightedTable.of(spec.social),
  channels: WeightedTable.of(ACQUISITION[spec.group]),
}));
export const COUNTRY_TABLE = new WeightedTable(COUNTRY_TABLES, COUNTRIES.map((c) => c.weight));

/** Local-time hour-of-day activity (index = hour). */
export const HOUR_TABLE = new WeightedTable(
  Array.from({ length: 24 }, (_, h) => h),
  [1.0, 0.6, 0.35, 0.25, 0.2, 0.25, 0.5, 1.0, 1.6, 2.0, 2.3, 2.5, 2.7, 2.5, 2.4, 2.4, 2.5, 2.7, 3.0, 3.6, 4.0, 3.9, 3.0, 1.9],
);

export const AGE_BANDS = new WeightedTable(['18-24', '25-34', '35-44', '45-54', '55-64', '65+'], [0.18, 0.32, 0.24, 0.14, 0.08, 0.04]);
export const GENDERS = new WeightedTable(['female', 'male', 'non-binary', 'unspecified'], [0.52, 0.44, 0.01, 0.03]);
export const PLANS = new WeightedTable(['free', 'plus', 'premium'], [0.8, 0.15, 0.05]);
export const EMAIL_DOMAINS = ['example.com', 'example.com', 'example.net', 'example.org'];
