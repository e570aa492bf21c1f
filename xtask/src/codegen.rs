//! The progenitor client generator, called as a library.

use crate::spec::Spec;
use crate::{Error, GENERATED_HEADER, Result};
use progenitor::{GenerationSettings, Generator, InterfaceStyle, TagStyle};
use std::panic::{AssertUnwindSafe, catch_unwind};

/// The generator settings every client crate is built with.
///
/// Builder interface (`client.op().field(..).send()`), all operations on one `Client`, and `BTreeMap` for
/// maps so that Debug output has a stable order.
pub fn settings() -> GenerationSettings {
    let mut settings = GenerationSettings::default();
    settings
        .with_interface(InterfaceStyle::Builder)
        .with_tag(TagStyle::Merged)
        .with_derive("PartialEq")
        .with_map_type("::std::collections::BTreeMap");
    settings
}

/// Generates, formats and labels a client from the spec.
pub fn generate_client(spec: &Spec) -> Result<String> {
    let openapi = spec.openapi()?;
    let tokens = run_guarded(&spec.origin, || {
        let mut generator = Generator::new(&settings());
        generator.generate_tokens(&openapi)
    })?
    .map_err(|e| {
        Error::new(format!(
            "{}: the code generator refused the spec: {e}",
            spec.origin
        ))
    })?;
    let file: syn::File = syn::parse2(tokens).map_err(|e| {
        Error::new(format!(
            "{}: the generator produced code that does not parse: {e}",
            spec.origin
        ))
    })?;
    let body = prettyplease::unparse(&file);
    Ok(format!("{GENERATED_HEADER}\n{body}"))
}

/// Runs generator code, turning a panic into an error with the panic message.
///
/// The rules in [`crate::rules`] catch every panic we know of; this is the net for the ones we do not.
fn run_guarded<T>(origin: &str, f: impl FnOnce() -> T) -> Result<T> {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    let result = catch_unwind(AssertUnwindSafe(f));
    std::panic::set_hook(previous);
    result.map_err(|payload| {
        let detail = payload
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "no message".into());
        Error::new(format!(
            "{origin}: the code generator could not handle this spec ({detail}). \
             Check the spec against the rules in xtask/src/rules.rs."
        ))
    })
}
