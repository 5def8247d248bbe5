//! The contract between the generator (which writes the site) and the edge (which serves
//! it): the access manifest and who may read what, the one slug rule, HTML escaping with a
//! type for markup that is already safe, the page shells and their slots, the edge's route
//! paths, calendar dates in French, the interface-text keys the edge needs, and the
//! security headers. It sits below both and imports neither, so the build tool does not
//! link the request core and the request core does not link the Markdown pipeline.

pub mod access;
pub mod date;
pub mod headers;
pub mod html;
pub mod media;
pub mod routes;
pub mod shell;
pub mod slug;
pub mod text;
