//! Growing delays after failed sign-ins, per login and per client network. A delay never
//! exceeds 15 minutes and counters forget after a day, so nobody is locked out for good.
//! The counters are stored by `store::throttle`.

/// Failures allowed per login before any delay.
pub const FREE_FAILURES: i64 = 5;
/// Failures allowed per client network before any delay: higher, because a school or a
/// mobile operator may put many families behind one address.
pub const FREE_FAILURES_PER_NETWORK: i64 = 50;
/// Wrong activation codes allowed per client network before any delay: a code is 59 bits
/// of chance, so this only slows a guesser down; a parents' evening on the school's Wi-Fi
/// may bring a few typos from one address.
pub const FREE_ACTIVATION_FAILURES_PER_NETWORK: i64 = 20;
/// Longest delay.
pub const MAX_DELAY: i64 = 15 * 60;
/// Counters older than this start again from zero.
pub const FORGET_AFTER: i64 = 24 * 3600;

/// Delay after `failures` failures when `free` are allowed: 0 until then, then 30 s, 60 s,
/// 120 s… up to 15 min.
pub fn delay_for(failures: i64, free: i64) -> i64 {
    if failures < free {
        return 0;
    }
    let step = (failures - free).min(10) as u32;
    (30i64 << step).min(MAX_DELAY)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_and_stay_bounded() {
        assert_eq!(delay_for(4, FREE_FAILURES), 0);
        assert_eq!(delay_for(5, FREE_FAILURES), 30);
        assert_eq!(delay_for(6, FREE_FAILURES), 60);
        assert_eq!(delay_for(9, FREE_FAILURES), 480);
        assert_eq!(delay_for(10, FREE_FAILURES), MAX_DELAY);
        assert_eq!(delay_for(10_000, FREE_FAILURES), MAX_DELAY);
        assert_eq!(delay_for(49, FREE_FAILURES_PER_NETWORK), 0);
    }
}
