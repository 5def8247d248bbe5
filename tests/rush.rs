//! The sign-in rush in a small version (issue 14; the measured one is `benches/rush.sh`):
//! many sign-ins at once against `preau serve` with a tiny queue of password checks each
//! get a clear answer, success or `503` with `Retry-After` and "réessayez dans N s", never
//! a hang; and a client that sends half a request header is disconnected within seconds.

mod support;

use std::io::{Read, Write};
use std::time::{Duration, Instant};
use support::client::Browser;
use support::native::NativeServer;
use support::scenarios::{Target, CLASS, PASSWORD};

#[test]
fn every_sign_in_of_a_rush_gets_a_clear_answer() {
    let server = NativeServer::start_with_env(
        &support::scenarios::fixture(),
        &[("PREAU_SIGNIN_QUEUE", "1")],
    );
    const N: usize = 16;
    for i in 0..N {
        server.add_account(&format!("ruee.{i}"), "parent", Some(CLASS), PASSWORD);
    }
    let base = server.base_url();
    let answers: Vec<(u16, Option<String>, String)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..N)
            .map(|i| {
                let base = base.clone();
                s.spawn(move || {
                    let mut b = Browser::new(&base);
                    let r = b.sign_in(&format!("ruee.{i}"), PASSWORD);
                    (
                        r.status,
                        r.header("retry-after").map(str::to_string),
                        r.body,
                    )
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("client"))
            .collect()
    });
    let mut ok = 0;
    for (status, retry, body) in &answers {
        match status {
            303 => ok += 1,
            503 => {
                let secs: u64 = retry
                    .as_deref()
                    .and_then(|v| v.parse().ok())
                    .expect("Retry-After in seconds");
                assert!((1..=60).contains(&secs));
                assert!(
                    body.contains(&format!("réessayez dans {secs} s")),
                    "the page says when: {body}"
                );
            }
            other => panic!("a sign-in got {other}: {body}"),
        }
    }
    assert!(ok >= 1, "some sign-ins get through: {answers:?}");
    // After the rush, everyone gets in.
    let mut b = Browser::new(&base);
    assert_eq!(b.sign_in("ruee.0", PASSWORD).status, 303);
}

#[test]
fn half_a_request_header_is_cut_off_within_seconds() {
    let server = NativeServer::start();
    let addr = server.base_url().trim_start_matches("http://").to_string();
    let mut slow = Vec::new();
    for _ in 0..20 {
        let mut c = std::net::TcpStream::connect(&addr).expect("connect");
        c.write_all(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Ag")
            .expect("half a header");
        c.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        slow.push(c);
    }
    let started = Instant::now();
    for mut c in slow {
        let mut buf = [0u8; 512];
        // The server closes (or answers 408 and closes); a read timeout means it held on.
        loop {
            match c.read(&mut buf) {
                Ok(0) => break,
                Ok(_) => continue,
                Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => break,
                Err(e) => panic!("still open after {:?}: {e}", started.elapsed()),
            }
        }
    }
    // Pages are still served.
    assert_eq!(Browser::new(&server.base_url()).get("/").status, 200);
}
