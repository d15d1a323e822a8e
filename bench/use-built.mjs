/** `node --import ./bench/use-built.mjs`: the package's modules from its build (built-hooks.mjs). */
import { register } from "node:module";

register("./built-hooks.mjs", import.meta.url);
