//! qcapi's end-to-end tests, both clients against the emulator and the hostile
//! server, as one test binary: each file was its own binary, and each linked the
//! generated code again. `response_limit_memory` stays a binary of its own (it
//! measures the whole process's peak memory).

mod bm_lifecycle;
mod classic_link_lifecycle;
mod conformance;
mod credential_providers;
mod direct_connect_lifecycle;
mod endpoints;
mod eni_attachment_lifecycle;
mod eni_lifecycle;
mod every_action;
mod flow_log_lifecycle;
mod hardening;
mod nat_gateway_lifecycle;
mod network_acl_lifecycle;
mod rejections;
mod resilience;
mod route_table_lifecycle;
mod seed_flows;
mod server_side_types;
mod ssl_vpn_lifecycle;
mod subnet_lifecycle;
mod tracing_has_no_secrets;
mod trust;
mod vpc_lifecycle;
mod vpn_lifecycle;
mod waiting_and_paging;
