#!/usr/bin/env node
import { main } from "./cli";

const code = await main(process.argv.slice(2));
// Exit now with the command's code: a deploy step must not wait on anything still open (an idle
// socket, the local server's handles) once the work is done and reported.
process.exit(code);
