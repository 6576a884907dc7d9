//! Arrow columns filled from the tool's own JSON values, so that a Parquet
//! row holds exactly what `--format json` prints for the same thing.
//!
//! A column names a path into a row's JSON value and a [`Kind`]; a JSON
//! field the serialiser leaves out because it is empty (an empty list, a
//! `false` flag, a zero count) is read back as that empty value, anything
//! else absent as null.

use arrow_array::builder::{BooleanBuilder, Float64Builder, Int64Builder, StringBuilder};
use arrow_array::{ArrayRef, ListArray, StructArray};
use arrow_buffer::{NullBuffer, OffsetBuffer, ScalarBuffer};
use arrow_schema::{DataType, Field, Fields};
use serde_json::Value;
use std::sync::Arc;

/// The type of one column and how its JSON value is read.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// A string; a number or boolean is written as its JSON text.
    Str,
    /// A signed 64-bit integer.
    Int,
    /// An integer the JSON leaves out when it is zero.
    Count,
    Float,
    Bool,
    /// A boolean the JSON leaves out when it is false.
    Flag,
    /// The JSON text of the value (objects whose keys vary).
    Json,
    /// A list the JSON leaves out when it is empty.
    List(&'static Kind),
    /// An object with these fields.
    Struct(&'static [Col]),
}

/// One column: its name, the path of its value in the row, its kind.
#[derive(Debug, Clone, Copy)]
pub struct Col {
    pub name: &'static str,
    pub path: &'static [&'static str],
    pub kind: Kind,
    /// What the column holds, for the README's schema table.
    pub doc: &'static str,
}

impl Kind {
    pub fn data_type(&self) -> DataType {
        match self {
            Kind::Str | Kind::Json => DataType::Utf8,
            Kind::Int | Kind::Count => DataType::Int64,
            Kind::Float => DataType::Float64,
            Kind::Bool | Kind::Flag => DataType::Boolean,
            Kind::List(item) => {
                DataType::List(Arc::new(Field::new("item", item.data_type(), true)))
            }
            Kind::Struct(cols) => DataType::Struct(fields(cols)),
        }
    }

    /// The type as the README's schema table shows it.
    pub fn type_name(&self) -> String {
        match self {
            Kind::Str => "string".into(),
            Kind::Json => "string (JSON)".into(),
            Kind::Int | Kind::Count => "int64".into(),
            Kind::Float => "double".into(),
            Kind::Bool | Kind::Flag => "boolean".into(),
            Kind::List(item) => format!("list<{}>", item.type_name()),
            Kind::Struct(cols) => {
                let inner: Vec<String> = cols
                    .iter()
                    .map(|c| format!("{} {}", c.name, c.kind.type_name()))
                    .collect();
                format!("struct<{}>", inner.join(", "))
            }
        }
    }
}

pub fn fields(cols: &[Col]) -> Fields {
    cols.iter()
        .map(|c| Field::new(c.name, c.kind.data_type(), true))
        .collect()
}

/// The value at `path` inside `v`.
pub fn get<'a>(v: &'a Value, path: &[&str]) -> Option<&'a Value> {
    let mut at = v;
    for key in path {
        at = at.get(key)?;
    }
    (!at.is_null()).then_some(at)
}

/// Builds one column, row by row.
pub enum Builder {
    Str(StringBuilder),
    Int(Int64Builder, bool),
    Float(Float64Builder),
    Bool(BooleanBuilder, bool),
    Json(StringBuilder),
    List {
        item: &'static Kind,
        offsets: Vec<i32>,
        child: Box<Builder>,
    },
    Struct {
        cols: &'static [Col],
        children: Vec<Builder>,
        valid: Vec<bool>,
    },
}

impl Builder {
    pub fn new(kind: &'static Kind) -> Builder {
        match kind {
            Kind::Str => Builder::Str(StringBuilder::new()),
            Kind::Json => Builder::Json(StringBuilder::new()),
            Kind::Int => Builder::Int(Int64Builder::new(), false),
            Kind::Count => Builder::Int(Int64Builder::new(), true),
            Kind::Float => Builder::Float(Float64Builder::new()),
            Kind::Bool => Builder::Bool(BooleanBuilder::new(), false),
            Kind::Flag => Builder::Bool(BooleanBuilder::new(), true),
            Kind::List(item) => Builder::List {
                item,
                offsets: vec![0],
                child: Box::new(Builder::new(item)),
            },
            Kind::Struct(cols) => Builder::Struct {
                cols,
                children: cols.iter().map(|c| Builder::new(&c.kind)).collect(),
                valid: Vec::new(),
            },
        }
    }

    pub fn append(&mut self, v: Option<&Value>) {
        let v = v.filter(|v| !v.is_null());
        match self {
            Builder::Str(b) => match v {
                Some(Value::String(s)) => b.append_value(s),
                Some(other) => b.append_value(other.to_string()),
                None => b.append_null(),
            },
            Builder::Json(b) => match v {
                Some(other) => b.append_value(other.to_string()),
                None => b.append_null(),
            },
            Builder::Int(b, zero) => {
                match v.and_then(|v| v.as_i64().or(v.as_u64().map(|u| u as i64))) {
                    Some(n) => b.append_value(n),
                    None if *zero => b.append_value(0),
                    None => b.append_null(),
                }
            }
            Builder::Float(b) => b.append_option(v.and_then(Value::as_f64)),
            Builder::Bool(b, flag) => match v.and_then(Value::as_bool) {
                Some(x) => b.append_value(x),
                None if *flag => b.append_value(false),
                None => b.append_null(),
            },
            Builder::List { offsets, child, .. } => {
                let mut n = 0;
                if let Some(Value::Array(items)) = v {
                    for x in items {
                        child.append(Some(x));
                    }
                    n = items.len() as i32;
                }
                let last = offsets.last().copied().unwrap_or(0);
                offsets.push(last + n);
            }
            Builder::Struct {
                cols,
                children,
                valid,
            } => {
                let obj = v.filter(|v| v.is_object());
                for (c, b) in cols.iter().zip(children.iter_mut()) {
                    b.append(obj.and_then(|o| get(o, c.path)));
                }
                valid.push(obj.is_some());
            }
        }
    }

    /// The column so far, leaving the builder empty.
    pub fn finish(&mut self) -> ArrayRef {
        match self {
            Builder::Str(b) | Builder::Json(b) => Arc::new(b.finish()),
            Builder::Int(b, _) => Arc::new(b.finish()),
            Builder::Float(b) => Arc::new(b.finish()),
            Builder::Bool(b, _) => Arc::new(b.finish()),
            Builder::List {
                item,
                offsets,
                child,
            } => {
                let offs = std::mem::replace(offsets, vec![0]);
                let values = child.finish();
                let field = Arc::new(Field::new("item", item.data_type(), true));
                Arc::new(ListArray::new(
                    field,
                    OffsetBuffer::new(ScalarBuffer::from(offs)),
                    values,
                    None,
                ))
            }
            Builder::Struct {
                cols,
                children,
                valid,
            } => {
                let arrays: Vec<ArrayRef> = children.iter_mut().map(Builder::finish).collect();
                let nulls = NullBuffer::from(std::mem::take(valid));
                let nulls = (nulls.null_count() > 0).then_some(nulls);
                Arc::new(StructArray::new(fields(cols), arrays, nulls))
            }
        }
    }
}
