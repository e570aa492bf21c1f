//! The facts both sides are reduced to before they are compared: what a docs page states and what
//! the spec states, in one vocabulary.

use std::fmt;

/// A model's price.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credits {
    /// A fixed number of credits per unit.
    Fixed(u64),
    /// The page says `Varies` (the spec says `varies`).
    Varies,
}

impl fmt::Display for Credits {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credits::Fixed(n) => write!(f, "{n}"),
            Credits::Varies => f.write_str("varies"),
        }
    }
}

/// A video model's allowed durations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Durations {
    /// These seconds exactly.
    List(Vec<u32>),
    /// Every whole second from the first to the second, both included.
    Range(u32, u32),
}

impl fmt::Display for Durations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Durations::List(l) => {
                let l: Vec<String> = l.iter().map(u32::to_string).collect();
                write!(f, "{} s", l.join(", "))
            }
            Durations::Range(a, b) => write!(f, "{a}–{b} s"),
        }
    }
}

/// Which side of an operation a field is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Dir {
    /// The request body.
    Request,
    /// The success response body.
    Response,
}

impl fmt::Display for Dir {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Dir::Request => "request",
            Dir::Response => "response",
        })
    }
}

/// A request or response field and the constraints stated for it. `None` means "not stated".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Field {
    /// Name; nested fields as `data[].url`.
    pub name: String,
    /// JSON type (`string`, `integer`, ...).
    pub ty: Option<String>,
    /// Whether it is required.
    pub required: Option<bool>,
    /// The default, as text (`1`, `standard`).
    pub default: Option<String>,
    /// Maximum length in characters.
    pub max_length: Option<u64>,
    /// Inclusive numeric range.
    pub range: Option<(f64, f64)>,
    /// Allowed values.
    pub values: Option<Vec<String>>,
}

impl Field {
    /// A field with only a name.
    pub fn named(name: &str) -> Self {
        Field {
            name: name.to_string(),
            ..Field::default()
        }
    }

    /// What is stated about it, for messages: `integer, required, 1–4`.
    pub fn summary(&self) -> String {
        let mut parts = Vec::new();
        if let Some(t) = &self.ty {
            parts.push(t.clone());
        }
        match self.required {
            Some(true) => parts.push("required".into()),
            Some(false) => parts.push("optional".into()),
            None => {}
        }
        if let Some(d) = &self.default {
            parts.push(format!("default {d}"));
        }
        if let Some(m) = self.max_length {
            parts.push(format!("at most {m} characters"));
        }
        if let Some(r) = self.range {
            parts.push(range_text(r));
        }
        if let Some(v) = &self.values {
            parts.push(format!("one of {}", v.join(", ")));
        }
        if parts.is_empty() {
            "named on the page".into()
        } else {
            parts.join(", ")
        }
    }
}

/// `1–4` for a range.
pub fn range_text((a, b): (f64, f64)) -> String {
    format!("{}–{}", number_text(a), number_text(b))
}

/// A number without a needless `.0`.
pub fn number_text(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        format!("{n}")
    }
}

/// One row of a model table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Model {
    /// Model id.
    pub id: String,
    /// Price.
    pub credits: Credits,
    /// Description, when the table has that column.
    pub description: Option<String>,
    /// Durations, when the table has that column.
    pub durations: Option<Durations>,
    /// Aspect ratios, when the table has that column.
    pub ratios: Option<Vec<String>>,
    /// Video mode, from the table's heading or a column.
    pub mode: Option<String>,
}

impl Model {
    /// What the row says, for messages.
    pub fn summary(&self) -> String {
        let mut parts = vec![format!("{} credits", self.credits)];
        if let Some(d) = &self.durations {
            parts.push(format!("durations {d}"));
        }
        if let Some(r) = &self.ratios {
            parts.push(format!("aspect ratios {}", r.join(", ")));
        }
        if let Some(m) = &self.mode {
            parts.push(m.clone());
        }
        if let Some(d) = &self.description {
            parts.push(format!("\"{d}\""));
        }
        parts.join(", ")
    }
}

/// One row of an error table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorRow {
    /// HTTP status, when the table has that column.
    pub status: Option<u16>,
    /// The machine-readable code.
    pub code: String,
    /// The cause, when the table has that column.
    pub cause: Option<String>,
}
