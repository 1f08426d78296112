// Prints one plain closing line, "Summary: N passed, N failed, N skipped", that any CI can
// read (Jest's own "Tests:" line ends in "N total" instead).
export default class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    process.stdout.write(`\nSummary: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${skipped} skipped\n`);
  }
}
