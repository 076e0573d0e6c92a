/**
 * Distributions and tests for experiments and campaign lift, in plain TypeScript (no dependency):
 * normal, Student t and chi-square distribution functions through the regularised incomplete gamma
 * and beta functions (Numerical Recipes, 3rd ed., 6.1-6.4), a seeded PRNG with normal, gamma and
 * beta sampling, and the tests built on them. Accuracy is about 1e-14 relative for the CDFs; the tests
 * compare against printed table values (distributions.test.ts).
 */

export * from './beta-binomial';
export * from './distributions';
export * from './frequentist-tests';
export * from './random-draws';
export * from './special-functions';
