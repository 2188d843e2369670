import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';

// Every schema in shared/ and functions/ is zod/mini: the same validation as classic zod, but
// functional, so a bundle carries only the parts it uses. Mini has no messages of its own (all
// "Invalid input"); English ones keep every rejection readable. Import `* as z` from here.
z.config(en());

export * from 'zod/mini';
