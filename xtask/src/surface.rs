//! A compact summary of a generated file's public surface, for snapshot review.
//!
//! The summary is read back from the generated code (not the spec), so it shows what users of the crate
//! actually get: one line per operation (method, path, operationId, inputs, success and error types), one
//! block per type with its fields. A spec change shows up as a few readable lines in the snapshot diff.

use crate::facts::Facts;
use crate::{Error, Output, Result, Target, catalogue};
use std::fmt::Write;
use syn::{Fields, GenericArgument, ImplItem, Item, ItemMod, PathArguments, ReturnType, Type};

/// Summarises a target: a client from its generated source, the facts from the specs they are generated
/// from (the freshness check guarantees the two agree). `spec_texts` follow [`Target::specs`].
pub fn summarize<S: AsRef<str>>(
    target: &Target,
    spec_texts: &[S],
    generated: &str,
) -> Result<String> {
    match target.kind {
        Output::Client => {
            let file = syn::parse_file(generated)
                .map_err(|e| Error::new(format!("{}: cannot parse: {e}", target.output)))?;
            Ok(client_surface(&file))
        }
        Output::Facts => {
            let specs = crate::parse_specs(target, spec_texts)?;
            Ok(facts_surface(&crate::facts::read(&specs)?))
        }
    }
}

/// Renders a type compactly: the last path segment of every path, with generic arguments.
pub fn render_type(ty: &Type) -> String {
    match ty {
        Type::Path(p) => match p.path.segments.last() {
            Some(seg) => {
                let mut s = seg.ident.to_string();
                if let PathArguments::AngleBracketed(args) = &seg.arguments {
                    let inner: Vec<String> = args
                        .args
                        .iter()
                        .filter_map(|a| match a {
                            GenericArgument::Type(t) => Some(render_type(t)),
                            _ => None,
                        })
                        .collect();
                    if !inner.is_empty() {
                        let _ = write!(s, "<{}>", inner.join(", "));
                    }
                }
                s
            }
            None => "?".into(),
        },
        Type::Reference(r) => format!("&{}", render_type(&r.elem)),
        Type::Slice(s) => format!("[{}]", render_type(&s.elem)),
        Type::Tuple(t) if t.elems.is_empty() => "()".into(),
        Type::Tuple(t) => {
            let parts: Vec<String> = t.elems.iter().map(render_type).collect();
            format!("({})", parts.join(", "))
        }
        Type::Paren(p) => render_type(&p.elem),
        Type::Group(g) => render_type(&g.elem),
        _ => "?".into(),
    }
}

/// The first type argument of `Result<T, _>`, `ResponseValue<T>` and the like.
fn generic_args(ty: &Type) -> Vec<&Type> {
    match ty {
        Type::Path(p) => match p.path.segments.last().map(|s| &s.arguments) {
            Some(PathArguments::AngleBracketed(args)) => args
                .args
                .iter()
                .filter_map(|a| match a {
                    GenericArgument::Type(t) => Some(t),
                    _ => None,
                })
                .collect(),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

fn find_mod<'a>(items: &'a [Item], name: &str) -> Option<&'a ItemMod> {
    items.iter().find_map(|i| match i {
        Item::Mod(m) if m.ident == name => Some(m),
        _ => None,
    })
}

fn mod_items(m: &ItemMod) -> &[Item] {
    m.content
        .as_ref()
        .map(|(_, items)| items.as_slice())
        .unwrap_or(&[])
}

/// The string literal of `#[doc = "..."]` attributes, joined.
fn doc_text(attrs: &[syn::Attribute]) -> String {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("doc"))
        .filter_map(|a| match &a.meta {
            syn::Meta::NameValue(nv) => match &nv.value {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(s),
                    ..
                }) => Some(s.value()),
                _ => None,
            },
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The value of `#[serde(rename = "...")]`, if present.
fn serde_rename(attrs: &[syn::Attribute]) -> Option<String> {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("serde"))
        .find_map(|a| {
            let tokens = match &a.meta {
                syn::Meta::List(l) => l.tokens.to_string(),
                _ => return None,
            };
            let rest = tokens.split("rename =").nth(1)?;
            let start = rest.find('"')?;
            let end = rest[start + 1..].find('"')?;
            Some(rest[start + 1..start + 1 + end].to_string())
        })
}

fn has_serde(attrs: &[syn::Attribute], word: &str) -> bool {
    attrs
        .iter()
        .filter(|a| a.path().is_ident("serde"))
        .any(|a| match &a.meta {
            syn::Meta::List(l) => l.tokens.to_string().contains(word),
            _ => false,
        })
}

fn client_surface(file: &syn::File) -> String {
    let mut out = String::from("operations:\n");
    if let Some(builder) = find_mod(&file.items, "builder") {
        let mut ops = Vec::new();
        for item in mod_items(builder) {
            let Item::Impl(imp) = item else { continue };
            let Type::Path(self_ty) = imp.self_ty.as_ref() else {
                continue;
            };
            let Some(name) = self_ty.path.segments.last().map(|s| s.ident.to_string()) else {
                continue;
            };
            for it in &imp.items {
                let ImplItem::Fn(f) = it else { continue };
                if f.sig.ident != "send" {
                    continue;
                }
                let doc = doc_text(&f.attrs);
                // "Sends a `POST` request to `/v1/generate`"
                let ticks: Vec<&str> = doc.split('`').collect();
                let method = ticks.get(1).copied().unwrap_or("?");
                let path = ticks.get(3).copied().unwrap_or("?");
                let body = f.block.to_token_stream_string();
                let op_id = body
                    .split("operation_id :")
                    .nth(1)
                    .and_then(|r| r.split('"').nth(1))
                    .unwrap_or("?")
                    .to_string();
                let (success, error) = match &f.sig.output {
                    ReturnType::Type(_, ty) => {
                        let args = generic_args(ty);
                        let ok = args
                            .first()
                            .and_then(|t| generic_args(t).first().map(|t| render_type(t)));
                        let err = args
                            .get(1)
                            .and_then(|t| generic_args(t).first().map(|t| render_type(t)));
                        (
                            ok.unwrap_or_else(|| "()".into()),
                            err.unwrap_or_else(|| "()".into()),
                        )
                    }
                    ReturnType::Default => ("()".into(), "()".into()),
                };
                let inputs = builder_inputs(mod_items(builder), &name);
                ops.push(format!(
                    "  {method} {path} {op_id}({}) -> {success} | error {error}",
                    inputs.join(", ")
                ));
            }
        }
        ops.sort();
        for op in ops {
            out.push_str(&op);
            out.push('\n');
        }
    }
    out.push_str("types:\n");
    if let Some(types) = find_mod(&file.items, "types") {
        for item in mod_items(types) {
            match item {
                Item::Struct(s) => match &s.fields {
                    Fields::Named(named) => {
                        let _ = writeln!(out, "  struct {}", s.ident);
                        for f in &named.named {
                            let name = f.ident.as_ref().map(|i| i.to_string()).unwrap_or_default();
                            let wire = serde_rename(&f.attrs).filter(|r| *r != name);
                            let default = if has_serde(&f.attrs, "default") {
                                " = default"
                            } else {
                                ""
                            };
                            let wire = wire.map(|w| format!(" (wire: {w})")).unwrap_or_default();
                            let _ =
                                writeln!(out, "    {name}: {}{default}{wire}", render_type(&f.ty));
                        }
                    }
                    Fields::Unnamed(unnamed) => {
                        // `pub` when anyone can build it; a private field means a checked
                        // constructor (`TryFrom`), as for strings with length limits.
                        let inner: Vec<String> = unnamed
                            .unnamed
                            .iter()
                            .map(|f| match f.vis {
                                syn::Visibility::Public(_) => format!("pub {}", render_type(&f.ty)),
                                _ => render_type(&f.ty),
                            })
                            .collect();
                        let _ = writeln!(out, "  newtype {}({})", s.ident, inner.join(", "));
                    }
                    Fields::Unit => {
                        let _ = writeln!(out, "  unit {}", s.ident);
                    }
                },
                Item::Enum(e) => {
                    let values: Vec<String> = e
                        .variants
                        .iter()
                        .map(|v| match serde_rename(&v.attrs) {
                            Some(r) => format!("{:?}", r),
                            None => v.ident.to_string(),
                        })
                        .collect();
                    let _ = writeln!(out, "  enum {}: {}", e.ident, values.join(" | "));
                }
                _ => {}
            }
        }
    }
    out
}

/// The inputs of an operation builder: its fields other than the client, with the value type.
fn builder_inputs(items: &[Item], name: &str) -> Vec<String> {
    items
        .iter()
        .find_map(|i| match i {
            Item::Struct(s) if s.ident == name => Some(s),
            _ => None,
        })
        .map(|s| {
            s.fields
                .iter()
                .filter_map(|f| {
                    let field = f.ident.as_ref()?.to_string();
                    if field == "client" {
                        return None;
                    }
                    // Fields are `Result<T, String>`; show `T`.
                    let ty = generic_args(&f.ty)
                        .first()
                        .map(|t| render_type(t))
                        .unwrap_or_else(|| render_type(&f.ty));
                    Some(format!("{field}: {ty}"))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The facts, one line per operation, code, limit, enum and model.
fn facts_surface(facts: &Facts) -> String {
    let mut out = String::from("apis:\n");
    for a in &facts.apis {
        let _ = writeln!(out, "  {} \"{}\"", a.variant, a.title);
    }
    out.push_str("operations:\n");
    for op in &facts.operations {
        let list = |fields: &[crate::facts::FieldFact]| {
            fields
                .iter()
                .map(|f| {
                    let req = if f.required { "*" } else { "" };
                    format!("{}{req}:{}", f.name, f.kind.to_ascii_lowercase())
                })
                .collect::<Vec<_>>()
                .join(",")
        };
        let codes: Vec<String> = op
            .error_codes
            .iter()
            .map(|(s, c)| format!("{s} {c}"))
            .collect();
        let _ = writeln!(
            out,
            "  {} {} {} {} {} {} fields={} \"{}\"",
            op.variant,
            op.api,
            op.method,
            op.path,
            op.id,
            if op.billable { "billable" } else { "free" },
            list(&op.fields),
            op.summary
        );
        let _ = writeln!(out, "    response: {}", list(&op.response_fields));
        let _ = writeln!(out, "    errors: {}", codes.join(", "));
    }
    out.push_str("error codes:\n");
    for e in &facts.error_codes {
        let statuses: Vec<String> = e.statuses.iter().map(u16::to_string).collect();
        let _ = writeln!(
            out,
            "  {} {} [{}] {} {} \"{}\"",
            e.variant,
            e.code,
            statuses.join(","),
            e.apis.join(","),
            if e.assumed { "assumed" } else { "documented" },
            e.description
        );
    }
    out.push_str("limits:\n");
    for l in &facts.limits {
        let _ = writeln!(
            out,
            "  {}: {} = {} {} (on {})",
            l.name,
            l.ty.rust(),
            l.literal(),
            if l.documented {
                "documented"
            } else {
                "assumed"
            },
            l.used_by.join(", ")
        );
    }
    out.push_str("enums:\n");
    for e in &facts.enums {
        let values: Vec<String> = e
            .values
            .iter()
            .map(|(v, w)| {
                let default = if e.default.as_deref() == Some(v.as_str()) {
                    " (default)"
                } else {
                    ""
                };
                format!("{v}={w}{default}")
            })
            .collect();
        let _ = writeln!(
            out,
            "  {} {} field={}: {}",
            e.name,
            e.api,
            e.field,
            values.join(" | ")
        );
    }
    let p = facts.polling;
    let _ = writeln!(
        out,
        "polling: every >= {} s, {} attempts, timeout {} s",
        p.min_interval_seconds, p.max_attempts, p.timeout_seconds
    );
    let plans: Vec<String> = facts
        .rate_limit
        .plans
        .iter()
        .map(|p| match p.requests_per_day {
            Some(n) => format!("{}={n}", p.name),
            None => format!("{}=custom", p.name),
        })
        .collect();
    let _ = writeln!(
        out,
        "plans (per {} h): {}",
        facts.rate_limit.window_hours,
        plans.join(", ")
    );
    out.push_str(&catalogue_surface(&facts.catalogue));
    out
}

fn catalogue_surface(cat: &catalogue::Catalogue) -> String {
    let mut out = String::new();
    for (name, credits) in &cat.flat {
        let _ = writeln!(out, "const {name} = {credits}");
    }
    out.push_str("models:\n");
    for m in &cat.models {
        let credits = m
            .credits
            .map(|c| c.to_string())
            .unwrap_or_else(|| "varies".into());
        let _ = write!(
            out,
            "  {} {} credits={credits}",
            m.id,
            m.kind.to_lowercase()
        );
        if let Some(mode) = &m.mode {
            let _ = write!(out, " mode={mode}");
        }
        if let Some(d) = &m.durations {
            let list: Vec<String> = d.iter().map(u32::to_string).collect();
            let _ = write!(out, " durations={}", list.join(","));
        }
        if let Some((min, max)) = m.duration_range {
            let _ = write!(out, " durations={min}-{max}");
        }
        if !m.aspect_ratios.is_empty() {
            let _ = write!(out, " aspect_ratios={}", m.aspect_ratios.join(","));
        }
        if !m.resolutions.is_empty() || !m.qualities.is_empty() {
            let _ = write!(
                out,
                " resolutions={} qualities={}",
                m.resolutions.join(","),
                m.qualities.join(",")
            );
        }
        let _ = writeln!(out, " \"{}\"", m.description);
    }
    out
}

/// Token-stream text of a syntax node.
trait TokenText {
    fn to_token_stream_string(&self) -> String;
}

impl<T: quote::ToTokens> TokenText for T {
    fn to_token_stream_string(&self) -> String {
        let mut ts = proc_macro2::TokenStream::new();
        self.to_tokens(&mut ts);
        ts.to_string()
    }
}
