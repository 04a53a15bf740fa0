//! Compare the rsa crate's own single-threaded `PrivateKey::new` with nskeys' parallel
//! generator, alternating the two so that machine noise hits both alike.
//!
//! `cargo run --release --example rsagen_compare -- [KEYS] [BITS]` (default 21 keys of 4096 bits).
#![forbid(unsafe_code)]

use std::time::{Duration, Instant};

fn median(v: &mut [Duration]) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let keys: usize = args.next().map_or(Ok(21), |s| s.parse())?;
    let bits: usize = args.next().map_or(Ok(4096), |s| s.parse())?;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let (mut single, mut parallel) = (Vec::new(), Vec::new());
    for i in 0..keys.max(1) {
        let t = Instant::now();
        rsa::PrivateKey::new(&mut rand::rng(), bits)?;
        single.push(t.elapsed());
        let t = Instant::now();
        nskeys::pki::rsagen::generate(bits)?;
        parallel.push(t.elapsed());
        eprint!("\r{}/{keys}", i + 1);
    }
    eprintln!();
    let (s, p) = (median(&mut single), median(&mut parallel));
    let range = |v: &[Duration]| {
        format!(
            "{:.3}-{:.3} s",
            v[0].as_secs_f64(),
            v[v.len() - 1].as_secs_f64()
        )
    };
    println!("RSA-{bits}, {} keys each, {threads} threads", single.len());
    println!(
        "rsa::PrivateKey::new (1 thread): median {:.3} s ({})",
        s.as_secs_f64(),
        range(&single)
    );
    println!(
        "nskeys::pki::rsagen::generate:        median {:.3} s ({})",
        p.as_secs_f64(),
        range(&parallel)
    );
    println!("ratio: {:.2}", p.as_secs_f64() / s.as_secs_f64());
    Ok(())
}
