//! The commands that read one capture and write its view: `packets`,
//! `explain` and `conversations`, one module each.

pub(crate) mod conversations;
pub(crate) mod explain;
pub(crate) mod keylog;
pub(crate) mod packets;

pub(crate) fn shown(path: &std::path::Path) -> String {
    if path.as_os_str() == "-" {
        "standard input".into()
    } else {
        path.display().to_string()
    }
}
