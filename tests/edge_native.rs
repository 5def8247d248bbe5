//! The HTTP scenario suite against the self-hosted server (`preau serve`), one server per
//! scenario. The tests are generated from the single list of tests/support/scenarios.rs
//! (`scenario_lists!`), which edge_worker.rs runs too.

mod support;

use support::native::NativeServer;
use support::scenarios;

macro_rules! native_tests {
    (main: [$($main:ident),* $(,)?]; pending: [$($pending:ident),* $(,)?]; native_only: [$($native:ident),* $(,)?];) => {
        $(
            #[test]
            fn $native() {
                scenarios::$native(&NativeServer::start());
            }
        )*
        $(
            #[test]
            fn $main() {
                scenarios::$main(&NativeServer::start());
            }
        )*
        $(
            #[test]
            #[ignore = "pending (see scenario_lists! in tests/support/scenarios.rs)"]
            fn $pending() {
                scenarios::$pending(&NativeServer::start());
            }
        )*
    };
}

scenarios::scenario_lists!(native_tests);

/// Both adapters run every scenario of scenarios.rs: none is left out of the lists.
#[test]
fn every_scenario_is_listed_once() {
    scenarios::check_lists();
}
