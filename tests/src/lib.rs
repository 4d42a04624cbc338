//! Shared helpers for qcapi's end-to-end tests (the tests live in `tests/tests/`).
