// Mocha's spec reporter, plus one JSON line of counts appended to $IMAGE_LAYERS_COUNTS, so that
// scripts/test.mjs can print one closing line for every phase of `npm test`.
'use strict';
const fs = require('fs');
const Mocha = require('mocha');

class CountingReporter extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const file = process.env.IMAGE_LAYERS_COUNTS;
      if (!file) return;
      const s = runner.stats || {};
      const phase = process.env.IMAGE_LAYERS_PHASE || 'tests';
      fs.appendFileSync(
        file,
        JSON.stringify({ phase, passed: s.passes || 0, failed: s.failures || 0, skipped: s.pending || 0 }) + '\n',
      );
    });
  }
}
module.exports = CountingReporter;
