//! The reference docs site and the Markdown page, generated from a catalog.
//!
//! (Being built: see issue 4.)
