//! RSA key generation on every core.
//!
//! The rsa crate's own `PrivateKey::new` looks for p, then for q, on one thread. The time to
//! find a prime is roughly geometric (most candidates that survive the sieve fail Miller-Rabin),
//! so here every core searches at once and the first two suitable primes found, by any
//! threads, win; the other searches stop at their next candidate. Racing for a shared pair is
//! about twice as fast on two cores as giving each thread one prime to find, which waits for
//! the slower of two searches.
//!
//! The primitives are the rsa crate's own: the same small-factors sieve over candidates with
//! the top two bits set, the same primality test (`crypto_primes::is_prime`, Miller-Rabin base
//! 2 plus the strengthened Lucas test of Baillie-PSW 2021), and `PrivateKey::from_p_q`, which
//! derives d, validates the key and precomputes the CRT values. On top of that come the
//! FIPS 186-5 (A.1.3) checks: gcd(e, p-1) = gcd(e, q-1) = 1 for each prime as it is found (the
//! rsa crate finds out only when d cannot be computed, and starts the whole key again), and
//! |p - q| > 2^(bits/2 - 100), which the rsa crate leaves to chance.

use crate::error::{Error, Result};
use crypto_bigint::{BoxedUint, Limb, NonZero};
use crypto_primes::hazmat::{SetBits, SieveFactory, SmallFactorsSieveFactory};
use crypto_primes::{Flavor, is_prime};
use rand::SeedableRng;
use rand::rngs::{StdRng, SysRng};
use rsa::traits::PublicKeyParts;
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::thread;
use zeroize::Zeroizing;

/// The public exponent: 65537, the only one NetSuite, openssl and the rsa crate default to.
pub const PUBLIC_EXPONENT: u32 = 65_537;

/// Smallest modulus accepted (the rsa crate's minimum).
const MIN_BITS: usize = 1024;

/// Largest modulus accepted (the rsa crate refuses larger public keys by default).
const MAX_BITS: usize = 4096;

/// How many times to start over if a finished pair is unusable. Each failure is
/// astronomically unlikely (|p - q| too small: ~2^-99), so reaching this means a bug.
const MAX_ATTEMPTS: usize = 8;

/// Each worker's stack: the numbers live on the heap, so the default 2 MiB is never needed.
const WORKER_STACK: usize = 256 * 1024;

/// Generate an RSA key of `bits` bits (even, 1024..=4096) with e = 65537, searching for its
/// primes on every available core.
pub fn generate(bits: usize) -> Result<rsa::PrivateKey> {
    let threads = thread::available_parallelism().map_or(1, NonZeroUsize::get);
    generate_with_threads(bits, threads)
}

/// [`generate`] with an explicit number of search threads (at least one is used).
pub fn generate_with_threads(bits: usize, threads: usize) -> Result<rsa::PrivateKey> {
    if !bits.is_multiple_of(2) || !(MIN_BITS..=MAX_BITS).contains(&bits) {
        return Err(Error::unknown(
            format!("cannot make an RSA key of {bits} bits"),
            "use 3072 or 4096",
        ));
    }
    let threads = threads.max(1);
    let e = BoxedUint::from(PUBLIC_EXPONENT);
    for _ in 0..MAX_ATTEMPTS {
        let (p, q) = two_primes(bits / 2, threads)?;
        if !far_apart(&p, &q, bits) {
            continue;
        }
        // from_p_q computes d = e^-1 mod lcm(p-1, q-1) (FIPS 186-5, as openssl does), then
        // validates the key (n = pq, d < n, de = 1 mod p-1 and q-1) and precomputes the CRT
        // values (dp, dq, qinv) that signing uses.
        let key = match rsa::PrivateKey::from_p_q(
            BoxedUint::clone(&p),
            BoxedUint::clone(&q),
            e.clone(),
        ) {
            Ok(key) => key,
            Err(_) => continue,
        };
        let n = key.n();
        if n.bits_precision() - n.leading_zeros() != bits as u32 {
            continue;
        }
        return Ok(key);
    }
    Err(Error::unknown(
        "RSA key generation kept producing unusable keys",
        "try again; if it happens again, report it",
    ))
}

/// A prime from a worker, or why the worker gave up.
type Found = Result<Zeroizing<BoxedUint>>;

/// Two distinct primes of `prime_bits` bits, each with its top two bits set (so their product
/// has exactly 2 * `prime_bits` bits) and p - 1 coprime to e; searched for on `threads` threads.
fn two_primes(
    prime_bits: usize,
    threads: usize,
) -> Result<(Zeroizing<BoxedUint>, Zeroizing<BoxedUint>)> {
    let stop = AtomicBool::new(false);
    let (tx, rx) = mpsc::channel::<Found>();
    thread::scope(|scope| {
        let mut handles = Vec::with_capacity(threads);
        for _ in 0..threads {
            let tx = tx.clone();
            let stop = &stop;
            let spawned = thread::Builder::new()
                .name("rsa-prime-search".into())
                .stack_size(WORKER_STACK)
                .spawn_scoped(scope, move || search(prime_bits, stop, &tx));
            // Fewer threads than asked for is fine as long as one runs.
            if let Ok(handle) = spawned {
                handles.push(handle);
            }
        }
        // Only the workers hold senders now: if they all end, recv() ends too.
        drop(tx);

        let mut result = if handles.is_empty() {
            Err(Error::unknown(
                "cannot start a thread for RSA key generation",
                "check the process and memory limits (ulimit -u, ulimit -v)",
            ))
        } else {
            collect_pair(&rx)
        };
        stop.store(true, Ordering::Relaxed);
        for handle in handles {
            if handle.join().is_err() && result.is_ok() {
                result = Err(Error::unknown(
                    "an RSA prime search thread failed",
                    "try again; if it happens again, report it",
                ));
            }
        }
        result
    })
}

/// The first two distinct primes the workers send.
fn collect_pair(
    rx: &mpsc::Receiver<Found>,
) -> Result<(Zeroizing<BoxedUint>, Zeroizing<BoxedUint>)> {
    let ended = || {
        Error::unknown(
            "the RSA prime search ended without a result",
            "try again; if it happens again, report it",
        )
    };
    let p = rx.recv().map_err(|_| ended())??;
    loop {
        let q = rx.recv().map_err(|_| ended())??;
        // Two threads finding the same 2048-bit prime is impossible in practice; a bad RNG
        // could do it, and n = p^2 would be trivially factored.
        if *q != *p {
            return Ok((p, q));
        }
    }
}

/// One worker: sieve random ranges and test the survivors until a suitable prime turns up,
/// send it, start afresh elsewhere, and so on until told to stop.
fn search(prime_bits: usize, stop: &AtomicBool, tx: &mpsc::Sender<Found>) {
    let send_err = |e: Error| {
        let _ = tx.send(Err(e));
    };
    // A CSPRNG per thread (ChaCha12), seeded from the operating system: nothing shared, and an
    // OS failure is an error rather than a panic.
    let mut rng = match StdRng::try_from_rng(&mut SysRng) {
        Ok(rng) => rng,
        Err(e) => {
            return send_err(Error::unknown(
                format!("the operating system's random number generator failed: {e}"),
                "check that /dev/urandom (getrandom) works",
            ));
        }
    };
    let Ok(bits) = u32::try_from(prime_bits) else {
        return send_err(Error::unknown(
            "prime size out of range",
            "use 3072 or 4096",
        ));
    };
    // The rsa crate's sieve: candidates start at a random odd number with the top two bits
    // set and go up (staying below 2^bits), skipping multiples of the first 2048 primes.
    let mut factory =
        match SmallFactorsSieveFactory::<BoxedUint>::new(Flavor::Any, bits, SetBits::TwoMsb) {
            Ok(f) => f,
            Err(e) => {
                return send_err(Error::unknown(
                    format!("prime sieve: {e}"),
                    "use 3072 or 4096",
                ));
            }
        };
    let Some(e) = NonZero::new(Limb::from(PUBLIC_EXPONENT)).into_option() else {
        return send_err(Error::unknown("invalid public exponent", "report this"));
    };
    while !stop.load(Ordering::Relaxed) {
        let sieve = match factory.make_sieve(&mut rng, None) {
            Ok(Some(sieve)) => sieve,
            Ok(None) | Err(_) => {
                return send_err(Error::unknown("cannot start a prime sieve", "report this"));
            }
        };
        for candidate in sieve {
            // Every candidate is wiped when dropped, composites included: each lies within
            // the sieve's range of the prime it finds, so one left in freed memory would
            // narrow the search for that prime to a few thousand numbers.
            let candidate = Zeroizing::new(candidate);
            // Checked between candidates: a Miller-Rabin test takes milliseconds, so the
            // losing searches stop soon after the pair is complete.
            if stop.load(Ordering::Relaxed) {
                return;
            }
            if !is_prime(Flavor::Any, &*candidate) {
                continue;
            }
            let prime = candidate;
            // gcd(e, p - 1) = 1 with e prime means p mod e != 1; otherwise no d exists.
            if prime.rem_limb(e) != Limb::ONE && tx.send(Ok(prime)).is_err() {
                return;
            }
            // Never take a second prime from the same range: it would be close to the first.
            break;
        }
    }
}

/// FIPS 186-5 A.1.3: |p - q| > 2^(bits/2 - 100), so that n cannot be factored by Fermat's
/// method. Checked as |p - q| >= 2^(bits/2 - 99), slightly stricter and simpler.
fn far_apart(p: &BoxedUint, q: &BoxedUint, bits: usize) -> bool {
    let diff = if p > q {
        p.wrapping_sub(q)
    } else {
        q.wrapping_sub(p)
    };
    let diff = Zeroizing::new(diff);
    diff.bit_width_vartime() as usize > bits / 2 - 99
}

#[cfg(test)]
mod tests {
    use super::*;
    use crypto_bigint::Gcd;
    use rsa::traits::PrivateKeyParts;

    fn bits_of(x: &BoxedUint) -> u32 {
        x.bit_width_vartime()
    }

    /// The FIPS 186-5 properties, checked on the finished key's own components.
    fn check_key(key: &rsa::PrivateKey, bits: usize) {
        let primes = key.primes();
        assert_eq!(primes.len(), 2);
        let (p, q) = (primes[0].as_ref(), primes[1].as_ref());
        let half = (bits / 2) as u32;
        assert_eq!(bits_of(p), half, "p has bits/2 bits");
        assert_eq!(bits_of(q), half, "q has bits/2 bits");
        // Top two bits set: p, q >= 3 * 2^(half-2) > sqrt(2) * 2^(half-1).
        assert!(p.bit_vartime(half - 2), "p's second bit set");
        assert!(q.bit_vartime(half - 2), "q's second bit set");
        assert_ne!(p, q);
        assert!(is_prime(Flavor::Any, p) && is_prime(Flavor::Any, q));
        let e = BoxedUint::from(PUBLIC_EXPONENT);
        assert_eq!(key.e(), &e);
        let one = BoxedUint::one();
        assert_eq!(p.wrapping_sub(&one).gcd(&e), one, "gcd(e, p-1) = 1");
        assert_eq!(q.wrapping_sub(&one).gcd(&e), one, "gcd(e, q-1) = 1");
        let diff = if p > q {
            p.wrapping_sub(q)
        } else {
            q.wrapping_sub(p)
        };
        // bits(diff) > half - 99 means diff >= 2^(half - 99) > 2^(half - 100).
        assert!(bits_of(&diff) > half - 99, "|p - q| > 2^(bits/2 - 100)");
        let n = key.n();
        assert_eq!(n.bits_precision() - n.leading_zeros(), bits as u32);
        assert!(key.validate().is_ok());
        // CRT values are there, so signing uses them.
        assert!(key.dp().is_some() && key.dq().is_some());
    }

    #[test]
    fn keys_have_the_fips_properties() {
        for bits in [2048, 3072] {
            for threads in [1, 2, 3] {
                let key = generate_with_threads(bits, threads).unwrap();
                check_key(&key, bits);
            }
        }
        let key = generate(4096).unwrap();
        check_key(&key, 4096);
    }

    #[test]
    fn far_apart_is_the_fips_bound() {
        let bits = 2048;
        let pow2 = |k: u32| BoxedUint::one_with_precision(1024).shl_vartime(k).unwrap();
        let q = pow2(1023) | BoxedUint::one_with_precision(1024);
        // 2^(1024 - 100) exactly is not enough; 2^(1024 - 99) is.
        for (d, ok) in [(923, false), (924, false), (925, true), (926, true)] {
            let other = q.wrapping_add(pow2(d));
            assert_eq!(far_apart(&q, &other, bits), ok, "2^{d}");
            assert_eq!(far_apart(&other, &q, bits), ok, "2^{d}");
        }
    }

    #[test]
    fn odd_and_out_of_range_sizes_are_refused() {
        assert!(generate(4095).is_err());
        assert!(generate(512).is_err());
        assert!(generate(8192).is_err());
    }
}
