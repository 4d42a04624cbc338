//! Every action of the catalog, sent with its required parameters through the blocking
//! client to the emulator by GET and by POST, and parsed with its typed output; and each
//! one with a required parameter left out, which the emulator answers with 4000.

use qcapi_core::Output as _;
use qcapi_core::vpc::catalog;
use qcapi_core::{Error, HttpMethod, HttpResponse, Params, RawAction};
use qcapi_emulator::{Account, Emulator};
use qcapi_tests::{Variant, client, sample_params};

fn blocking(method: HttpMethod) -> Variant {
    Variant::new(false, method)
}

#[test]
fn every_action_is_served_and_parses_typed() {
    let emulator = Emulator::start().unwrap();
    for method in [HttpMethod::Get, HttpMethod::Post] {
        let c = client(&emulator, &Account::demo_a(), blocking(method));
        for spec in catalog::ACTIONS {
            let mut params = Params::new();
            sample_params(spec.params, "", &mut params);
            let action = RawAction::new(spec.name)
                .params(params.iter().map(|(n, v)| (n.to_owned(), v.to_owned())));
            match c.send(&action) {
                Ok(out) => {
                    let typed = catalog::parse_typed(
                        spec.name,
                        HttpResponse::new(200, out.meta().raw.clone()),
                    )
                    .expect("a known action");
                    typed.unwrap_or_else(|e| {
                        panic!("{} ({method}): typed parse failed: {e:?}", spec.name)
                    });
                }
                // Stateful actions reject sample IDs that name nothing: a business error, not a protocol one.
                Err(Error::Api(e)) if e.code == 5000 || e.code == 5100 => {
                    assert!(
                        e.code_desc.as_deref().is_some_and(|d| !d.is_empty()),
                        "{}: {e:?}",
                        spec.name
                    );
                }
                Err(e) => panic!("{} ({method}): {e:?}", spec.name),
            }
        }
    }
}

#[test]
fn leaving_out_a_required_parameter_gets_4000_naming_it() {
    let emulator = Emulator::start().unwrap();
    let mut checked = 0;
    for method in [HttpMethod::Get, HttpMethod::Post] {
        let c = client(&emulator, &Account::demo_a(), blocking(method));
        for spec in catalog::ACTIONS {
            let Some(required) = spec.params.iter().find(|p| p.required) else {
                continue;
            };
            let mut params = Params::new();
            sample_params(spec.params, "", &mut params);
            let without = params
                .iter()
                .filter(|(n, _)| {
                    *n != required.name && !n.starts_with(&format!("{}.", required.name))
                })
                .map(|(n, v)| (n.to_owned(), v.to_owned()));
            let result = c.send(
                &qcapi_core::RawAction::new(spec.name)
                    .params(without)
                    .unchecked(),
            );
            match result {
                Err(Error::Api(e)) => {
                    assert_eq!(e.code, 4000, "{}: {e:?}", spec.name);
                    assert!(
                        e.message.contains(required.name),
                        "{}: {}",
                        spec.name,
                        e.message
                    );
                }
                other => panic!("{} without {}: {other:?}", spec.name, required.name),
            }
            checked += 1;
        }
    }
    assert!(
        checked > 100,
        "only {checked} actions have required parameters"
    );
}
