//! Cost of a sign-in on this machine: Argon2id (19 MiB, 2 passes) verification of a right
//! password, a wrong one, and an unknown login (verified against the dummy hash), median of
//! 15 runs each. Run with `cargo bench --bench signin`.

use preau_edge::password;
use std::time::Instant;

fn median_ms(mut f: impl FnMut()) -> f64 {
    let mut times: Vec<f64> = (0..15)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1000.0
        })
        .collect();
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

fn main() {
    let stored = password::hash("girafe-velo-orange-piscine", &[3u8; 16]).expect("hash");
    let hash = median_ms(|| {
        password::hash("girafe-velo-orange-piscine", &[4u8; 16]).expect("hash");
    });
    let right = median_ms(|| assert!(password::verify("girafe-velo-orange-piscine", &stored)));
    let wrong = median_ms(|| assert!(!password::verify("girafe-velo-orange-piscinE", &stored)));
    let unknown = median_ms(|| {
        assert!(!password::verify(
            "girafe-velo-orange-piscine",
            password::DUMMY_HASH
        ))
    });
    println!("Argon2id m=19 MiB t=2 p=1, médiane de 15 essais");
    println!("  hachage (création de compte) : {hash:7.1} ms");
    println!("  bon mot de passe             : {right:7.1} ms");
    println!("  mauvais mot de passe         : {wrong:7.1} ms");
    println!("  identifiant inconnu          : {unknown:7.1} ms (rapport au mauvais mot de passe : {:.2})", unknown / wrong);
}
