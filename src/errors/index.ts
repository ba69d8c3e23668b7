/** Breakwater's error taxonomy, its policy table and its mapping onto Temporal failures. */
export * from './application-failure';
export * from './breakwater-errors';
export * from './budget-refusal';
export * from './error-policy';
export * from './error-types';
