//! Response parsing for every output type: `[action index, status selector, body...]`.
//! The first byte picks an action of `catalog::ACTIONS`, whose typed output parses
//! the body through `catalog::parse_typed`; the untyped `RawOutput` parses it too.
//! Nothing a server sends may panic.

#![no_main]

use libfuzzer_sys::fuzz_target;
use qcapi_core::vpc::catalog::{ACTIONS, parse_typed};
use qcapi_core::{HttpResponse, RawOutput, parse_output};

/// Statuses besides 200 that the selector byte can pick (0xF0..=0xFF).
const STATUSES: [u16; 16] = [
    0, 100, 199, 201, 204, 301, 400, 404, 429, 500, 502, 503, 599, 999, u16::MAX, 200,
];

fuzz_target!(|data: &[u8]| {
    let [index, status, body @ ..] = data else {
        return;
    };
    let spec = ACTIONS[usize::from(*index) % ACTIONS.len()];
    let status = if *status >= 0xF0 {
        STATUSES[usize::from(*status & 0x0F)]
    } else {
        200
    };
    let response = HttpResponse::new(status, body.to_vec());
    let typed = parse_typed(spec.name, response.clone());
    assert!(typed.is_some(), "{} is in the catalog", spec.name);
    if let Some(Ok(value)) = &typed {
        // The normalized output is an object whenever parsing succeeded.
        assert!(value.is_object(), "{}: {value}", spec.name);
    }
    let _ = parse_output::<RawOutput>(spec.name, response);
});
