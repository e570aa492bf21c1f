//! Integration tests of the simulator, over loopback, against servers they start themselves. Every JSON
//! answer from an API route is validated against spec/artnex.yaml or spec/artapi.yaml by the harness.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

mod admin;
mod artapi;
#[cfg(feature = "cli")]
mod binary;
mod errors;
mod examples;
mod facts;
mod faults;
mod ledger;
mod load;
mod media;
mod quota;
mod readings;
mod robustness;
mod validator;
mod video;
