// A BROWSER command for real-browser tests: it hands the URL to the test (one line appended to
// $HANDOFF_FILE), and the test's own Playwright-driven Chromium opens it.
import { appendFileSync } from 'node:fs';

appendFileSync(process.env.HANDOFF_FILE, `${process.argv[2]}\n`);
