//! Helpers shared by the integration test binaries.

pub(crate) mod log_capture;
