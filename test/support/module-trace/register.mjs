// `node --import ./register.mjs …`: installs hooks.mjs in the process under test.
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url);
