// html.mjs - the one tagged template every component writes its markup with
// (htm bound to Preact's h), so no module needs a build step.
import { h } from 'preact';
import htm from 'htm';

export const html = htm.bind(h);
