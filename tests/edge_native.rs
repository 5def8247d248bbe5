//! The HTTP scenario suite against the self-hosted server (`preau serve`).

#[path = "support/client.rs"]
mod client;
#[path = "support/native.rs"]
mod native;
#[path = "support/scenarios.rs"]
mod scenarios;

use native::NativeServer;

macro_rules! scenario {
    ($name:ident) => {
        #[test]
        fn $name() {
            let server = NativeServer::start();
            scenarios::$name(&server);
        }
    };
}

scenario!(security_headers);
scenario!(leak_crawl);
scenario!(path_variants);
scenario!(cookies);
scenario!(csrf);
scenario!(brute_force);
scenario!(no_enumeration);
scenario!(charter_regate);
scenario!(disable_ends_sessions);
scenario!(my_space);
scenario!(return_after_sign_in);
