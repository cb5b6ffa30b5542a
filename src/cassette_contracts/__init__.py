"""cassette-contracts: contract tests on recorded HTTP fixtures."""
