/** Time units in milliseconds: UTC days have no leap seconds in JavaScript time, so a day is always 86,400,000 ms. */
export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;
