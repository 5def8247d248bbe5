//! One module per subcommand.

pub mod accounts;
pub mod archive;
pub mod audit;
pub mod backup;
pub mod build;
pub mod cost;
pub mod demo;
pub mod editor;
pub mod export;
pub mod export_d1;
pub mod export_worker;
pub mod import;
pub mod init;
pub mod integrity;
pub mod letters;
pub mod new;
pub mod roster;
pub mod secret;
pub mod serve;
pub mod status;
