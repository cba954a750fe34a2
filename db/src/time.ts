/** The timestamp helpers live in common (presenters use them too); the data layer re-exports them. */
export { now, toIso } from '@simcard/common';
