//! The operation table's row types and the traits of the generated [`OperationId`], [`Api`], [`Method`]
//! and [`Plan`].

use std::fmt;

use crate::{Api, Method, OperationId, Plan};

/// A top-level field of an operation's JSON request body or success response.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FieldInfo {
    /// The JSON property name.
    pub name: &'static str,
    /// Whether the spec requires it.
    pub required: bool,
    /// Its JSON type in the spec.
    pub kind: FieldKind,
}

/// The JSON type of a field, as the spec declares it (`type`, through `$ref`s).
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldKind {
    /// `string`.
    String,
    /// `integer`.
    Integer,
    /// `number`.
    Number,
    /// `boolean`.
    Boolean,
    /// `array`.
    Array,
    /// `object`.
    Object,
    /// No single type (a composition, or none declared).
    Any,
}

/// Everything the specs say about one operation.
///
/// ```
/// use artnex_facts::{Api, Method, OperationId};
/// let op = OperationId::CreateImage.info();
/// assert_eq!((op.api, op.method, op.path), (Api::ArtApi, Method::Post, "/images/generations"));
/// assert!(op.billable);
/// assert!(op.field("prompt").is_some_and(|f| f.required));
/// assert!(op.lists_code(400, "invalid_size"));
/// ```
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OperationInfo {
    /// The operation.
    pub id: OperationId,
    /// Its `operationId` (`generate_image`).
    pub operation_id: &'static str,
    /// The API (spec) it belongs to.
    pub api: Api,
    /// The HTTP method.
    pub method: Method,
    /// The path template (`/v1/video/{request_id}`); ArtAPI paths are relative to its `/v1` base.
    pub path: &'static str,
    /// Whether a call costs credits (and counts against the quota): the spec's `x-billable`.
    pub billable: bool,
    /// The spec's one-line summary.
    pub summary: &'static str,
    /// The top-level fields of the JSON request body, in spec order (empty without a body).
    pub request_fields: &'static [FieldInfo],
    /// The top-level fields of the JSON success response, in spec order.
    pub response_fields: &'static [FieldInfo],
    /// The `(status, code)` pairs its error-code list names, in spec order.
    pub error_codes: &'static [(u16, &'static str)],
}

impl OperationInfo {
    /// The request field called `name`.
    pub fn field(&self, name: &str) -> Option<&'static FieldInfo> {
        self.request_fields.iter().find(|f| f.name == name)
    }

    /// Whether the operation lists `code` with `status`.
    pub fn lists_code(&self, status: u16, code: &str) -> bool {
        self.error_codes.contains(&(status, code))
    }
}

impl fmt::Display for OperationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Api {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Method {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Kind, OPERATIONS};

    #[test]
    fn the_table_and_the_enum_agree() {
        assert_eq!(OperationId::ALL.len(), OPERATIONS.len());
        for (id, info) in OperationId::ALL.iter().zip(OPERATIONS) {
            assert_eq!(id.info(), info);
            assert_eq!(info.id, *id);
            assert_eq!(id.as_str(), info.operation_id);
            assert_eq!(OperationId::from_id(info.operation_id), Some(*id));
        }
        assert_eq!(OperationId::from_id("no_such_operation"), None);
    }

    #[test]
    fn billable_means_it_costs_credits() {
        let free: Vec<OperationId> = OPERATIONS
            .iter()
            .filter(|o| !o.billable)
            .map(|o| o.id)
            .collect();
        assert_eq!(free, [OperationId::GetVideoStatus]);
        for kind in Kind::ALL {
            let op = kind.operation().info();
            assert!(op.billable && op.method == Method::Post, "{kind}");
            assert!(op.field("model").is_some(), "{kind}");
        }
    }
}
