//! Each generator rule, proven on a small bad spec: the xtask must refuse it with a readable message and
//! never let a generator panic through.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use xtask::{Output, Target};

const CLIENT: Target = Target {
    name: "probe",
    specs: &["probe.yaml"],
    output: "probe.rs",
    kind: Output::Client,
};

/// A valid one-operation spec; `{responses}`, `{content}`, `{version}` and `{extra}` are filled per test.
fn spec(version: &str, op_extra: &str, content: &str, responses: &str) -> String {
    format!(
        r#"openapi: {version}
info: {{title: probe, version: "1"}}
paths:
  /things:
    post:
{op_extra}      requestBody:
        required: true
        content:
{content}
      responses:
{responses}
components:
  schemas:
    A: {{type: object, properties: {{x: {{type: string}}}}}}
    B: {{type: object, properties: {{y: {{type: integer}}}}}}
    E: {{type: object, properties: {{message: {{type: string}}}}}}
"#
    )
}

const OP_ID: &str = "      operationId: make_thing\n";
const JSON_BODY: &str =
    "          application/json:\n            schema: {$ref: \"#/components/schemas/A\"}";
const OK_RESPONSES: &str = r##"        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/A"}
        "400":
          description: bad
          content:
            application/json:
              schema: {$ref: "#/components/schemas/E"}
        "500":
          description: broken
          content:
            application/json:
              schema: {$ref: "#/components/schemas/E"}"##;

fn refused(text: &str) -> String {
    match xtask::render(&CLIENT, &[text]) {
        Ok(_) => panic!("the spec was accepted:\n{text}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn a_valid_spec_generates_a_labelled_client() {
    let out = xtask::render(&CLIENT, &[spec("3.0.3", OP_ID, JSON_BODY, OK_RESPONSES)]).unwrap();
    assert!(out.starts_with(xtask::GENERATED_HEADER));
    assert!(out.contains("pub fn make_thing(&self)"));
}

#[test]
fn openapi_3_1_is_refused() {
    let msg = refused(&spec("3.1.0", OP_ID, JSON_BODY, OK_RESPONSES));
    assert!(msg.contains("`openapi: 3.1.0` is not supported"), "{msg}");
    assert!(msg.contains("3.0.3"), "{msg}");
}

#[test]
fn missing_operation_id_is_refused() {
    let msg = refused(&spec("3.0.3", "", JSON_BODY, OK_RESPONSES));
    assert!(msg.contains("POST /things: no operationId"), "{msg}");
}

#[test]
fn duplicate_operation_ids_are_refused() {
    let text = spec("3.0.3", OP_ID, JSON_BODY, OK_RESPONSES).replace(
        "components:",
        "  /others:\n    get:\n      operationId: make_thing\n      responses:\n        \"204\": {description: none}\ncomponents:",
    );
    let msg = refused(&text);
    assert!(
        msg.contains("operationId `make_thing` is used by another operation"),
        "{msg}"
    );
}

#[test]
fn two_success_schemas_are_refused() {
    let responses = OK_RESPONSES.replace(
        "        \"400\":",
        "        \"201\":\n          description: created\n          content:\n            application/json:\n              schema: {$ref: \"#/components/schemas/B\"}\n        \"400\":",
    );
    let msg = refused(&spec("3.0.3", OP_ID, JSON_BODY, &responses));
    assert!(
        msg.contains("success responses use 2 different bodies (A, B)"),
        "{msg}"
    );
}

#[test]
fn two_error_schemas_are_refused() {
    let responses = OK_RESPONSES.replace(
        "        \"500\":\n          description: broken\n          content:\n            application/json:\n              schema: {$ref: \"#/components/schemas/E\"}",
        "        \"500\":\n          description: broken\n          content:\n            application/json:\n              schema: {$ref: \"#/components/schemas/B\"}",
    );
    let msg = refused(&spec("3.0.3", OP_ID, JSON_BODY, &responses));
    assert!(
        msg.contains("error responses use 2 different bodies (B, E)"),
        "{msg}"
    );
}

#[test]
fn a_default_response_that_differs_from_success_is_refused() {
    let responses = format!(
        "{OK_RESPONSES}\n        default:\n          description: other\n          content:\n            application/json:\n              schema: {{$ref: \"#/components/schemas/E\"}}"
    );
    let msg = refused(&spec("3.0.3", OP_ID, JSON_BODY, &responses));
    assert!(
        msg.contains("success responses use 2 different bodies"),
        "{msg}"
    );
}

#[test]
fn two_request_media_types_are_refused() {
    let content = format!(
        "{JSON_BODY}\n          application/x-www-form-urlencoded:\n            schema: {{$ref: \"#/components/schemas/A\"}}"
    );
    let msg = refused(&spec("3.0.3", OP_ID, &content, OK_RESPONSES));
    assert!(msg.contains("the request body has 2 media types"), "{msg}");
}

#[test]
fn multipart_is_refused() {
    let content =
        "          multipart/form-data:\n            schema: {$ref: \"#/components/schemas/A\"}";
    let msg = refused(&spec("3.0.3", OP_ID, content, OK_RESPONSES));
    assert!(
        msg.contains("request media type `multipart/form-data` is not supported"),
        "{msg}"
    );
}

#[test]
fn closed_objects_are_refused() {
    let text = spec("3.0.3", OP_ID, JSON_BODY, OK_RESPONSES).replace(
        "A: {type: object,",
        "A: {type: object, additionalProperties: false,",
    );
    let msg = refused(&text);
    assert!(
        msg.contains("/components/schemas/A: `additionalProperties: false`"),
        "{msg}"
    );
}

#[test]
fn cookie_parameters_are_refused() {
    let extra = format!(
        "{OP_ID}      parameters:\n        - {{name: session, in: cookie, schema: {{type: string}}}}\n"
    );
    let msg = refused(&spec("3.0.3", &extra, JSON_BODY, OK_RESPONSES));
    assert!(msg.contains("parameter `session` is in `cookie`"), "{msg}");
}

#[test]
fn every_violation_is_reported_at_once() {
    let text = spec(
        "3.1.0",
        "",
        "          multipart/form-data:\n            schema: {type: string}",
        OK_RESPONSES,
    );
    let msg = refused(&text);
    assert!(msg.contains("breaks 3 rule(s)"), "{msg}");
}

#[test]
fn generator_panics_become_errors_even_without_the_rules() {
    // Bypass the rules: two success schemas make progenitor 0.15 panic inside `generate_tokens`.
    let responses = OK_RESPONSES.replace(
        "        \"400\":",
        "        \"201\":\n          description: created\n          content:\n            application/json:\n              schema: {$ref: \"#/components/schemas/B\"}\n        \"400\":",
    );
    let text = spec("3.0.3", OP_ID, JSON_BODY, &responses);
    let doc = xtask::spec::Spec::parse("probe.yaml", &text).unwrap();
    let err = xtask::codegen::generate_client(&doc)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("the code generator could not handle this spec"),
        "{err}"
    );
}

#[test]
fn yaml_syntax_errors_are_readable() {
    let msg = refused("openapi: 3.0.3\ninfo: [unclosed\n");
    assert!(msg.starts_with("probe.yaml: not valid YAML/JSON"), "{msg}");
}
