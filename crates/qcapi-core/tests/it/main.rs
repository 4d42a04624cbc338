//! qcapi-core's integration tests (fixtures, properties, request building,
//! secrets, known-answer vectors), as one test binary: one link of the generated
//! code, not one per file.

mod fixtures;
mod prop_parse;
mod prop_sign;
mod requests;
mod secrets;
mod vectors;
