"""Shared by tests and benchmarks: fakes, emulator, builders. Imports no tests/test_* and no benchmarks."""
