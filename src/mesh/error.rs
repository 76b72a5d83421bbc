//! Errors from reading and checking surface meshes. Every message names the file, and the line
//! (text formats) or record (binary formats) at fault.

use std::path::{Path, PathBuf};

/// Why a surface mesh could not be read or used.
#[derive(Debug, thiserror::Error)]
pub enum MeshError {
    /// The file does not exist or cannot be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        source: std::io::Error,
    },
    /// A directory was given where a mesh file was expected.
    #[error("{}: is a directory, not a mesh file", path.display())]
    IsDirectory {
        /// The directory.
        path: PathBuf,
    },
    /// The file is empty or holds only whitespace.
    #[error("{}: file is empty", path.display())]
    Empty {
        /// The file.
        path: PathBuf,
    },
    /// The extension names no format we read.
    #[error("{}: unknown mesh format (expected .obj, .stl or .vtp)", path.display())]
    UnknownFormat {
        /// The file.
        path: PathBuf,
    },
    /// The file was read but holds no triangles.
    #[error("{}: no triangles in the file", path.display())]
    NoTriangles {
        /// The file.
        path: PathBuf,
    },
    /// A text format is malformed at a line.
    #[error("{}:{line}: {message}", path.display())]
    Syntax {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong there.
        message: String,
    },
    /// A binary or structured format is malformed (no line applies).
    #[error("{}: {message}", path.display())]
    Malformed {
        /// The file.
        path: PathBuf,
        /// What is wrong, with the record or element at fault.
        message: String,
    },
    /// The surface's topology makes it unusable (named in the message).
    #[error("{}: {message}", path.display())]
    Topology {
        /// The file (empty for generated meshes).
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
}

impl MeshError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> MeshError {
        MeshError::Io { path: path.to_path_buf(), source }
    }

    pub(crate) fn syntax(path: &Path, line: usize, message: impl Into<String>) -> MeshError {
        MeshError::Syntax { path: path.to_path_buf(), line, message: message.into() }
    }

    pub(crate) fn malformed(path: &Path, message: impl Into<String>) -> MeshError {
        MeshError::Malformed { path: path.to_path_buf(), message: message.into() }
    }

    /// The same error, attributed to `path` (for errors raised on an in-memory mesh).
    pub fn in_file(self, path: &Path) -> MeshError {
        match self {
            MeshError::Topology { message, .. } => MeshError::Topology { path: path.to_path_buf(), message },
            other => other,
        }
    }
}
